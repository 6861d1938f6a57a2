/**
 * Rows of `tokens` (a credential's metadata), alone or joined with its two sealed tokens in
 * `secrets`, and the per-link tallies of list views.
 */
import { z } from 'zod';
import type { CredentialTally, StoredToken, TokenRecord, TokenSecrets } from '../store';
import { BooleanColumnSchema, checkKeyVersion, checkRecord, CountSchema, IdSchema, JsonTextSchema, NullableString, parseRow, TimestampSchema, VersionSchema } from './common';

const CountOfFailuresSchema = z.number().int().min(0).max(2 ** 31 - 1);
const TokenStateSchema = z.enum(['valid', 'needs-reauthorization']);

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
  refreshExpiresAt: TimestampSchema.nullable().optional(),
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
  // Added by migration 0022; optional so that a query naming only the older columns still parses.
  refresh_expires_at: TimestampSchema.nullable().optional(),
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
  refreshExpiresAt: string | null;
}

export function toTokenColumns(record: TokenRecord): TokenColumns {
  const parsed = checkRecord(TokenRecordSchema, record, 'token record');
  return { ...parsed, scopes: JSON.stringify(parsed.scopes), refreshExpiresAt: parsed.refreshExpiresAt ?? null };
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
    // Only when known, so records written without it read back as they were written.
    ...(row.refresh_expires_at == null ? {} : { refreshExpiresAt: row.refresh_expires_at }),
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

export function subjectFromRow(row: unknown): string {
  return parseRow(z.object({ subject: z.string() }), row, 'tokens').subject;
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
