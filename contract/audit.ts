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

export const AuditPageSchema = z.object({ items: z.array(AuditEntrySchema), nextCursor: z.string().nullable() });
export type AuditPage = z.infer<typeof AuditPageSchema>;
