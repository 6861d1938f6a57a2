import { z } from 'zod';

/** The Forge app's audit log: who changed which link, when; never a secret value. */

export const AUDIT_ACTIONS = [
  'link.created',
  'link.updated',
  'link.deleted',
  'link.relocated',
  'link.exchange-step',
  'incoming.issued',
  'incoming.updated',
  'incoming.revoked',
  'connector.paired',
  /** Status transitions found by the connector's scheduled checks and refreshes (actor `connector`). */
  'link.failing',
  'link.recovered',
  'link.needs-reauthorization',
  'user.disconnected',
] as const;
export const AuditActionSchema = z.enum(AUDIT_ACTIONS);
export type AuditAction = z.infer<typeof AuditActionSchema>;

const JsonScalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export const AuditChangeSchema = z.object({
  field: z.string(),
  /** Values as stored; secret fields are recorded as changed without any value. */
  from: z.union([JsonScalar, z.array(JsonScalar)]),
  to: z.union([JsonScalar, z.array(JsonScalar)]),
});
export type AuditChange = z.infer<typeof AuditChangeSchema>;

export const AuditEntrySchema = z.object({
  id: z.string(),
  at: z.string(),
  actorAccountId: z.string(),
  action: AuditActionSchema,
  linkId: z.string().nullable(),
  linkName: z.string().nullable(),
  changes: z.array(AuditChangeSchema),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

/** An entry as the admin page shows it: with the actor's name, resolved through Jira when it is read. */
export const AuditEntryViewSchema = AuditEntrySchema.extend({
  /** The actor's display name from Jira's user API; null when Jira did not tell (the page shows the account ID). */
  actorDisplayName: z.string().nullable(),
});
export type AuditEntryView = z.infer<typeof AuditEntryViewSchema>;

export const AuditPageSchema = z.object({ items: z.array(AuditEntryViewSchema), nextCursor: z.string().nullable() });
export type AuditPage = z.infer<typeof AuditPageSchema>;
