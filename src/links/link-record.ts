import { z } from 'zod';
import {
  AuthKindSchema,
  CloudIncomingScopeSchema,
  LinkStatusSchema,
  ManualExchangeStepSchema,
  OutgoingProviderViewSchema,
  RemoteKindSchema,
  SecretFingerprintSchema,
  TestConnectionResultSchema,
  type LinkSummary,
} from '../../contract';

/**
 * The cloud side of one link as kvs holds it (`link:<id>`). It never holds a secret: outgoing
 * secrets live in the connector, the incoming secret only as a salted hash in `kvs.setSecret`;
 * here there are fingerprints only. Parsed on every read.
 */
export const IncomingRecordSchema = z.object({
  clientId: z.string(),
  scopes: z.array(CloudIncomingScopeSchema),
  redirectUri: z.string().nullable(),
  redirectUriIsPlaceholder: z.boolean(),
  clientSecretFingerprint: SecretFingerprintSchema,
  issuedAt: z.string(),
  /** Bumped when the secret is issued again: tokens of an older generation stop working. */
  generation: z.number().int().positive(),
  /** When the issued secret expires (UTC timestamp), if the admin set one; null for records written before. */
  secretExpiresAt: z.string().nullable().optional(),
});
export type IncomingRecord = z.infer<typeof IncomingRecordSchema>;

export const ManualStepStateSchema = z.object({ status: z.enum(['pending', 'done']), at: z.string(), by: z.string() });

export const LinkRecordSchema = z.object({
  schemaVersion: z.literal(1),
  id: z.string(),
  name: z.string(),
  remoteKind: RemoteKindSchema,
  applicationUrl: z.string(),
  displayUrl: z.string().nullable(),
  authKind: AuthKindSchema,
  /** Mirrored from the connector, which owns it (it holds the tokens). */
  status: LinkStatusSchema,
  statusReason: z.string().nullable(),
  outgoing: z.object({
    clientId: z.string().nullable(),
    clientSecretFingerprint: SecretFingerprintSchema.nullable(),
    scopes: z.array(z.string()),
    grantType: z.enum(['authorization_code', 'client_credentials']),
    redirectUri: z.string().nullable(),
    // Added with the provider settings: records written before them have none until the next mirror.
    provider: OutgoingProviderViewSchema.nullable().optional(),
    /** Bitbucket Cloud's workspace ID, mirrored from the connector; absent in records written before it. */
    workspace: z.string().nullable().optional(),
    /** The outgoing credential's expiry, mirrored from the connector (which keeps it). */
    secretExpiresAt: z.string().nullable().optional(),
  }),
  incoming: IncomingRecordSchema.nullable(),
  manualSteps: z.partialRecord(ManualExchangeStepSchema, ManualStepStateSchema),
  lastTest: TestConnectionResultSchema.nullable(),
  createdAt: z.string(),
  createdBy: z.string(),
  updatedAt: z.string(),
  updatedBy: z.string(),
  version: z.number().int().positive(),
});
export type LinkRecord = z.infer<typeof LinkRecordSchema>;

/** The few fields the list shows, kept in the link index so that listing reads no link record. */
export function toSummary(record: LinkRecord): LinkSummary {
  return {
    id: record.id,
    name: record.name,
    remoteKind: record.remoteKind,
    applicationUrl: record.applicationUrl,
    status: record.status,
    hasIncoming: record.incoming !== null,
    updatedAt: record.updatedAt,
    authKind: record.authKind,
    lastTest: record.lastTest === null ? null : { ok: record.lastTest.ok, testedAt: record.lastTest.testedAt },
  };
}
