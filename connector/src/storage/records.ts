/**
 * What both adapters share about the shape of stored rows: the zod schemas rows are parsed with
 * when read back (parse at the edges), the validation of records before they are written, and the
 * opaque list cursor.
 */
import { z } from 'zod';
import {
  StoreError,
  type AuthStateRecord,
  type ConsumeResult,
  type ConsumerRecord,
  type CredentialTally,
  type LinkRecord,
  type SealedSecret,
  type SecretRow,
  type StoredToken,
  type TokenRecord,
  type TokenSecrets,
  type VaultKeyRow,
} from './store';

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
  const { id, createdAt, updatedAt, version, ...document } = checkRecord(LinkRecordSchema, record, 'link record');
  return { id, createdAt, updatedAt, version, document: JSON.stringify(document) };
}

/** `record` as `schema` parses it, or a TypeError naming what is wrong, before anything is written. */
function checkRecord<T>(schema: z.ZodType<T>, record: unknown, what: string): T {
  const parsed = schema.safeParse(record);
  if (!parsed.success) {
    // Paths and rules only: record fields are never copied into an error.
    const where = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(record)'}: ${issue.message}`).join('; ');
    throw new TypeError(`The ${what} cannot be stored: ${where}`, { cause: parsed.error });
  }
  return parsed.data;
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

export function linkIdFromRow(row: unknown): string {
  return parseRow(z.object({ id: z.string() }), row, 'links').id;
}

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

/** A bound a caller passes to a query that compares timestamps as text: it must be the same text form. */
export function checkTimestamp(value: string, name: string): void {
  if (!TimestampSchema.safeParse(value).success) throw new TypeError(`${name} must be a UTC timestamp as Date#toISOString() writes it`);
}

/* ---- Tokens ---- */

const CountOfFailuresSchema = z.number().int().min(0).max(2 ** 31 - 1);
const TokenStateSchema = z.enum(['valid', 'needs-reauthorization']);
/** SQLite has no boolean type: the column holds 0 or 1 there, a boolean in PostgreSQL. */
const BooleanColumnSchema = z.union([z.boolean(), z.literal(0), z.literal(1)]).transform((value) => value === true || value === 1);

export const TokenRecordSchema = z.object({
  linkId: IdSchema,
  // '' is the link's own credential, so no minimum length here.
  subject: z.string(),
  tokenType: z.string(),
  scopes: z.array(z.string()),
  obtainedAt: TimestampSchema,
  expiresAt: TimestampSchema,
  refreshAt: TimestampSchema,
  hasRefreshToken: z.boolean(),
  state: TokenStateSchema,
  failureCount: CountOfFailuresSchema,
  nextAttemptAt: TimestampSchema.nullable(),
  lastErrorCode: NullableString,
  updatedAt: TimestampSchema,
}) satisfies z.ZodType<TokenRecord>;

/** A `tokens` row as both adapters select it (scopes as JSON text). */
export const TokenRowSchema = z.object({
  link_id: IdSchema,
  subject: z.string(),
  token_type: z.string(),
  scopes: JsonTextSchema.pipe(z.array(z.string())),
  obtained_at: TimestampSchema,
  expires_at: TimestampSchema,
  refresh_at: TimestampSchema,
  has_refresh_token: BooleanColumnSchema,
  state: TokenStateSchema,
  failure_count: CountOfFailuresSchema,
  next_attempt_at: TimestampSchema.nullable(),
  last_error_code: NullableString,
  updated_at: TimestampSchema,
});

/** A `tokens` row joined with its two `secrets` rows (absent ones come back as nulls). */
const StoredTokenRowSchema = TokenRowSchema.extend({
  access_key_version: VersionSchema.nullable(),
  access_ciphertext: z.string().nullable(),
  refresh_key_version: VersionSchema.nullable(),
  refresh_ciphertext: z.string().nullable(),
});

/** A token record's column values (JSON as text); each adapter binds the boolean as its database wants it. */
export interface TokenColumns {
  linkId: string;
  subject: string;
  tokenType: string;
  /** JSON text. */
  scopes: string;
  obtainedAt: string;
  expiresAt: string;
  refreshAt: string;
  hasRefreshToken: boolean;
  state: TokenRecord['state'];
  failureCount: number;
  nextAttemptAt: string | null;
  lastErrorCode: string | null;
  updatedAt: string;
}

export function toTokenColumns(record: TokenRecord): TokenColumns {
  const parsed = checkRecord(TokenRecordSchema, record, 'token record');
  return { ...parsed, scopes: JSON.stringify(parsed.scopes) };
}

/**
 * The record must say what the secrets hold: `hasRefreshToken` is what the scheduler and the
 * service read without opening the secrets, so a record that disagrees would make them act on a
 * refresh token that is not there (or ignore one that is).
 */
export function checkTokenSecrets(record: TokenRecord, secrets: TokenSecrets): void {
  if (record.hasRefreshToken !== (secrets.refreshToken !== null)) {
    throw new TypeError('A token record must have hasRefreshToken set exactly when a refresh token is saved with it');
  }
  checkKeyVersion(secrets.accessToken.keyVersion);
  if (secrets.refreshToken !== null) checkKeyVersion(secrets.refreshToken.keyVersion);
}

function tokenFromParsed(row: z.infer<typeof TokenRowSchema>): TokenRecord {
  return {
    linkId: row.link_id,
    subject: row.subject,
    tokenType: row.token_type,
    scopes: row.scopes,
    obtainedAt: row.obtained_at,
    expiresAt: row.expires_at,
    refreshAt: row.refresh_at,
    hasRefreshToken: row.has_refresh_token,
    state: row.state,
    failureCount: row.failure_count,
    nextAttemptAt: row.next_attempt_at,
    lastErrorCode: row.last_error_code,
    updatedAt: row.updated_at,
  };
}

export function tokenFromRow(row: unknown): TokenRecord {
  return tokenFromParsed(parseRow(TokenRowSchema, row, 'tokens'));
}

export function storedTokenFromRow(row: unknown): StoredToken {
  const parsed = parseRow(StoredTokenRowSchema, row, 'tokens');
  if (parsed.access_key_version === null || parsed.access_ciphertext === null) {
    throw new Error('A row of tokens has no sealed access token in secrets; was the database changed by hand?');
  }
  const refreshToken =
    parsed.refresh_key_version === null || parsed.refresh_ciphertext === null
      ? null
      : { keyVersion: parsed.refresh_key_version, ciphertext: parsed.refresh_ciphertext };
  return {
    record: tokenFromParsed(parsed),
    accessToken: { keyVersion: parsed.access_key_version, ciphertext: parsed.access_ciphertext },
    refreshToken,
  };
}

export function tokenStateCountFromRow(row: unknown): [state: TokenRecord['state'], count: number] {
  const { state, count } = parseRow(z.object({ state: TokenStateSchema, count: CountSchema }), row, 'tokens');
  return [state, count];
}

export function lockAcquiredFromRow(row: unknown): boolean {
  return parseRow(z.object({ acquired: z.boolean() }), row, 'an advisory lock').acquired;
}

export function hasRefreshTokenFromRow(row: unknown): boolean {
  return parseRow(z.object({ has_refresh_token: BooleanColumnSchema }), row, 'tokens').has_refresh_token;
}

/* ---- Authorization requests ---- */

export const AuthStateRecordSchema = z.object({
  id: IdSchema,
  linkId: IdSchema,
  subject: z.string(),
  createdAt: TimestampSchema,
  expiresAt: TimestampSchema,
  usedAt: TimestampSchema.nullable(),
}) satisfies z.ZodType<AuthStateRecord>;

export const AuthStateRowSchema = z.object({
  id: IdSchema,
  link_id: IdSchema,
  subject: z.string(),
  created_at: TimestampSchema,
  expires_at: TimestampSchema,
  used_at: TimestampSchema.nullable(),
});

export function checkAuthStateRecord(record: AuthStateRecord): AuthStateRecord {
  return checkRecord(AuthStateRecordSchema, record, 'authorization request');
}

export function authStateFromRow(row: unknown): AuthStateRecord {
  const { id, link_id, subject, created_at, expires_at, used_at } = parseRow(AuthStateRowSchema, row, 'auth_states');
  return { id, linkId: link_id, subject, createdAt: created_at, expiresAt: expires_at, usedAt: used_at };
}

/**
 * What a request that could not be consumed now was: used already (replayed; a request both used
 * and expired is reported as replayed, the more telling of the two), expired, or not there.
 */
export function notConsumed(record: AuthStateRecord | undefined, now: string): Exclude<ConsumeResult, { outcome: 'consumed' }> {
  if (record === undefined) return { outcome: 'unknown' };
  if (record.usedAt !== null) return { outcome: 'replayed', record };
  if (record.expiresAt <= now) return { outcome: 'expired', record };
  // Neither used nor expired, yet not consumable a moment ago: it was created since. Only a
  // guessed id can get here (ids are hashes of random states), so it is treated as one.
  return { outcome: 'unknown' };
}

export function idFromRow(row: unknown): string {
  return parseRow(z.object({ id: IdSchema }), row, 'auth_states').id;
}

export function subjectFromRow(row: unknown): string {
  return parseRow(z.object({ subject: z.string() }), row, 'tokens').subject;
}

/* ---- Consumers ---- */

export const ConsumerRecordSchema = z.object({
  id: IdSchema,
  name: z.string(),
  keyHash: z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 digest in lower-case hex'),
  linkIds: z.array(IdSchema),
  createdAt: TimestampSchema,
}) satisfies z.ZodType<ConsumerRecord>;

export const ConsumerRowSchema = z.object({
  id: IdSchema,
  name: z.string(),
  key_hash: z.string(),
  link_ids: JsonTextSchema.pipe(z.array(IdSchema)),
  created_at: TimestampSchema,
});

export interface ConsumerColumns {
  id: string;
  name: string;
  keyHash: string;
  /** JSON text. */
  linkIds: string;
  createdAt: string;
}

export function toConsumerColumns(record: ConsumerRecord): ConsumerColumns {
  const parsed = checkRecord(ConsumerRecordSchema, record, 'consumer record');
  return { ...parsed, linkIds: JSON.stringify(parsed.linkIds) };
}

export function consumerFromRow(row: unknown): ConsumerRecord {
  const { id, name, key_hash, link_ids, created_at } = parseRow(ConsumerRowSchema, row, 'consumers');
  return { id, name, keyHash: key_hash, linkIds: link_ids, createdAt: created_at };
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

const UserTallyRowSchema = z.object({
  link_id: z.string(),
  users: CountSchema,
  reauth: CountSchema,
  soonest: TimestampSchema.nullable(),
});

/**
 * Joins the two queries behind `TokenStore.tally`: the links' own credentials (token rows) and the
 * per-link counts of users' credentials (`link_id, users, reauth, soonest`).
 */
export function talliesFromRows(ownRows: readonly unknown[], userRows: readonly unknown[]): Map<string, CredentialTally> {
  const tallies = new Map<string, CredentialTally>();
  const entry = (linkId: string): CredentialTally => {
    let tally = tallies.get(linkId);
    if (tally === undefined) {
      tally = { own: null, users: 0, usersNeedingReauthorization: 0, soonestUserExpiry: null };
      tallies.set(linkId, tally);
    }
    return tally;
  };
  for (const row of ownRows) {
    const record = tokenFromRow(row);
    entry(record.linkId).own = record;
  }
  for (const row of userRows) {
    const parsed = parseRow(UserTallyRowSchema, row, 'tokens (tally)');
    Object.assign(entry(parsed.link_id), { users: parsed.users, usersNeedingReauthorization: parsed.reauth, soonestUserExpiry: parsed.soonest });
  }
  return tallies;
}
