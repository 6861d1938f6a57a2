/**
 * What both adapters share about the shape of stored rows: the zod schemas rows are parsed with
 * when read back (parse at the edges), the validation of records before they are written, and the
 * opaque list cursor.
 */
import { z } from 'zod';
import { StoreError, type LinkRecord, type SealedSecret, type SecretRow, type VaultKeyRow } from './store';

/**
 * Timestamps are stored as the text `Date#toISOString()` writes: fixed width and always UTC, so
 * ordering the text (both databases, byte order) is ordering by time, and the value read back is
 * exactly the value written.
 */
export const TimestampSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'must be a UTC timestamp as Date#toISOString() writes it');

const NullableString = z.string().nullable();

/** Everything of a link but the columns (id, timestamps, version): kept as one JSON document. */
export const LinkDocumentSchema = z.object({
  name: z.string(),
  remoteKind: z.string(),
  applicationUrl: z.string(),
  displayUrl: NullableString,
  authKind: z.string(),
  status: z.string(),
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
  }),
});
export type LinkDocument = z.infer<typeof LinkDocumentSchema>;

const VersionSchema = z.number().int().min(0).max(2 ** 31 - 1);
const IdSchema = z.string().min(1);

export const LinkRecordSchema = LinkDocumentSchema.extend({
  id: IdSchema,
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
  version: VersionSchema,
}) satisfies z.ZodType<LinkRecord>;

/** JSON columns are read as text in both dialects (PostgreSQL: `column::text`), then parsed here. */
const JsonTextSchema = z.string().transform((text, context): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    context.addIssue({ code: 'custom', message: 'is not JSON' });
    return z.NEVER;
  }
});

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
  const parsed = LinkRecordSchema.safeParse(record);
  if (!parsed.success) {
    // Paths and rules only: record fields are never copied into an error.
    const where = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(record)'}: ${issue.message}`).join('; ');
    throw new TypeError(`The link record cannot be stored: ${where}`, { cause: parsed.error });
  }
  const { id, createdAt, updatedAt, version, ...document } = parsed.data;
  return { id, createdAt, updatedAt, version, document: JSON.stringify(document) };
}

export function linkFromRow(row: unknown): LinkRecord {
  const { id, created_at, updated_at, version, document } = parseRow(LinkRowSchema, row, 'links');
  return { id, ...document, createdAt: created_at, updatedAt: updated_at, version };
}

export const SealedSecretRowSchema = z.object({ key_version: VersionSchema, ciphertext: z.string() });
export const SecretRowSchema = SealedSecretRowSchema.extend({ owner_id: z.string(), field: z.string() });
export const VaultKeyRowSchema = z.object({
  version: VersionSchema,
  master_key_id: z.string(),
  wrapped_key: z.string(),
  created_at: TimestampSchema,
});
/** PostgreSQL counts are bigint, which pg hands over as text; SQL casts them to int before they get here. */
const CountSchema = z.number().int().min(0);
const KeyVersionCountSchema = z.object({ key_version: VersionSchema, count: CountSchema });

export function countFromRow(row: unknown): number {
  return parseRow(z.object({ count: CountSchema }), row, 'a count').count;
}

export function versionFromRow(row: unknown): number {
  return parseRow(z.object({ version: VersionSchema }), row, 'vault_keys').version;
}

export function keyVersionCountFromRow(row: unknown): [version: number, count: number] {
  const { key_version, count } = parseRow(KeyVersionCountSchema, row, 'secrets');
  return [key_version, count];
}

export function sealedFromRow(row: unknown): SealedSecret {
  const { key_version, ciphertext } = parseRow(SealedSecretRowSchema, row, 'secrets');
  return { keyVersion: key_version, ciphertext };
}

export function secretFromRow(row: unknown): SecretRow {
  const { owner_id, field, key_version, ciphertext } = parseRow(SecretRowSchema, row, 'secrets');
  return { ownerId: owner_id, field, keyVersion: key_version, ciphertext };
}

export function vaultKeyFromRow(row: unknown): VaultKeyRow {
  const { version, master_key_id, wrapped_key, created_at } = parseRow(VaultKeyRowSchema, row, 'vault_keys');
  return { version, masterKeyId: master_key_id, wrappedKey: wrapped_key, createdAt: created_at };
}

export function checkVaultKeyRow(row: VaultKeyRow): void {
  if (!VersionSchema.safeParse(row.version).success) throw new TypeError('A vault key version must be a non-negative 32-bit integer');
  if (!TimestampSchema.safeParse(row.createdAt).success) throw new TypeError('A vault key createdAt must be a UTC timestamp as Date#toISOString() writes it');
}

/** Optimistic concurrency: an update states the version it read and carries the one after it. */
export function checkNextVersion(record: LinkRecord, expectedVersion: number): void {
  if (record.version !== expectedVersion + 1) throw new RangeError('An updated link record must carry version expectedVersion + 1');
}

export function checkKeyVersion(version: number): void {
  if (!VersionSchema.safeParse(version).success) throw new TypeError('A key version must be a non-negative 32-bit integer');
}

export function settingFromRow(row: unknown): unknown {
  return parseRow(z.object({ value: JsonTextSchema }), row, 'settings').value;
}

/** Settings hold JSON; `undefined`, functions and symbols have no JSON form and are refused. */
export function settingToJson(value: unknown): string {
  const json: unknown = JSON.stringify(value);
  if (typeof json !== 'string') throw new TypeError('A setting value must be JSON-serialisable');
  return json;
}

function parseRow<T>(schema: z.ZodType<T>, row: unknown, table: string): T {
  const parsed = schema.safeParse(row);
  if (!parsed.success) {
    const where = parsed.error.issues.map((issue) => issue.path.join('.')).join(', ');
    throw new Error(`A row of ${table} does not have the expected shape (${where}); was the database changed by hand?`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
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

export function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
}

/**
 * Given up to `limit + 1` rows in list order, the page and the cursor of its last item. Reading one
 * row more than asked tells whether another page exists, so the last page says `nextCursor: null`
 * instead of sending the caller for an empty one.
 */
export function toPage(records: LinkRecord[], limit: number): { items: LinkRecord[]; nextCursor: string | null } {
  const items = records.slice(0, limit);
  const last = items[items.length - 1];
  const nextCursor = records.length > limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null;
  return { items, nextCursor };
}
