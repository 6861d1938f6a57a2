/**
 * A link's rows: its columns (id, timestamps, version) and one JSON document for the rest, parsed
 * with the contract's enums so that `remoteKind`, `authKind` and `status` come out typed; and the
 * opaque cursor of the link list.
 */
import { z } from 'zod';
import { AuthKindSchema, CHECK_INTERVAL_MINUTES, CheckIntervalSchema, ClientAuthSchema, LinkStatusSchema, RemoteKindSchema } from '../../../../contract';
import { StoreError, type LinkRecord, type Page } from '../store';
import { checkRecord, IdSchema, JsonTextSchema, NullableString, parseRow, TimestampSchema, VersionSchema } from './common';

/** Everything of a link but the columns (id, timestamps, version): kept as one JSON document. */
export const LinkDocumentSchema = z.object({
  name: z.string(),
  remoteKind: RemoteKindSchema,
  applicationUrl: z.string(),
  displayUrl: NullableString,
  authKind: AuthKindSchema,
  status: LinkStatusSchema,
  statusReason: NullableString,
  outgoing: z.object({
    clientId: NullableString,
    clientSecretSetAt: NullableString,
    clientSecretLast4: NullableString,
    scopes: z.array(z.string()),
    authorizationEndpoint: NullableString,
    tokenEndpoint: NullableString,
    revocationEndpoint: NullableString,
    apiProbeUrl: NullableString,
    tenant: NullableString,
    grantType: z.enum(['authorization_code', 'client_credentials']),
    // Added after the first release: documents written before it lack the field.
    secretExpiresAt: NullableString.default(null),
    // Added with custom providers' settings; null (and absent, in older documents) means the preset's.
    clientAuth: ClientAuthSchema.nullable().default(null),
    pkce: z.boolean().nullable().default(null),
    authorizeParams: z.record(z.string(), z.string()).nullable().default(null),
    // Bitbucket Cloud's workspace; null for other kinds and in documents written before it.
    workspace: NullableString.default(null),
  }),
  // Added with scheduled checks: documents written before it get the default interval.
  checkIntervalMinutes: CheckIntervalSchema.default(CHECK_INTERVAL_MINUTES.default),
});
export type LinkDocument = z.infer<typeof LinkDocumentSchema>;

export const LinkRecordSchema = LinkDocumentSchema.extend({
  id: IdSchema,
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
  version: VersionSchema,
}) satisfies z.ZodType<LinkRecord>;

/** A `links` row as both adapters select it. */
export const LinkRowSchema = z.object({
  id: IdSchema,
  created_at: TimestampSchema,
  updated_at: TimestampSchema,
  version: VersionSchema,
  document: JsonTextSchema.pipe(LinkDocumentSchema),
});

export interface LinkColumns {
  id: string;
  createdAt: string;
  updatedAt: string;
  version: number;
  /** The JSON text of the document column. */
  document: string;
}

/** Splits a record into its columns and document, refusing a record that could not be read back. */
export function toLinkColumns(record: LinkRecord): LinkColumns {
  const { id, createdAt, updatedAt, version, ...document } = checkRecord(LinkRecordSchema, record, 'link record');
  return { id, createdAt, updatedAt, version, document: JSON.stringify(document) };
}

export function linkFromRow(row: unknown): LinkRecord {
  const { id, created_at, updated_at, version, document } = parseRow(LinkRowSchema, row, 'links');
  return { id, ...document, createdAt: created_at, updatedAt: updated_at, version };
}

export function linkIdFromRow(row: unknown): string {
  return parseRow(z.object({ id: z.string() }), row, 'links').id;
}

/** Optimistic concurrency: an update states the version it read and carries the one after it. */
export function checkNextVersion(record: LinkRecord, expectedVersion: number): void {
  if (record.version !== expectedVersion + 1) throw new RangeError('An updated link record must carry version expectedVersion + 1');
}

/* ---- Paging ---- */

export interface CursorPosition {
  createdAt: string;
  id: string;
}

const CursorSchema = z.tuple([TimestampSchema, IdSchema]);

/** base64url of `[createdAt, id]` of the last item served: opaque to callers, cheap to check. */
export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): CursorPosition {
  const bad = (cause?: unknown) =>
    new StoreError('BAD_CURSOR', 'The list cursor is not one this server handed out; list again from the start.', { cause });
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw bad();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (error) {
    throw bad(error);
  }
  const parsed = CursorSchema.safeParse(decoded);
  if (!parsed.success) throw bad(parsed.error);
  const [createdAt, id] = parsed.data;
  return { createdAt, id };
}

/**
 * Given up to `limit + 1` rows in list order, the page and the cursor of its last item. Reading one
 * row more than asked tells whether another page exists, so the last page says `nextCursor: null`
 * instead of sending the caller for an empty one.
 */
export function toPage(records: LinkRecord[], limit: number): Page<LinkRecord> {
  const items = records.slice(0, limit);
  const last = items[items.length - 1];
  const nextCursor = records.length > limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null;
  return { items, nextCursor };
}
