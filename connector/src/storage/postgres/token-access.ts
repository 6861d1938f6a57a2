/**
 * Reads and writes of one credential's tokens on PostgreSQL, for a scope: on their own (a
 * transaction each, from the pool) or inside `withLock` (the lock's transaction, see
 * `token-lock.ts`). Every save tells the other replicas through NOTIFY, delivered on commit.
 */
import { encodeNotification, type ChangeListeners, type TokenChange } from '../changes';
import { refreshTokenFlagError, tokenNotFoundError, type ErrorMeaning } from '../errors';
import { checkTokenSecrets, hasRefreshTokenFromRow, storedTokenFromRow, toTokenColumns, type TokenColumns } from '../records';
import { ACCESS_TOKEN_FIELD, REFRESH_TOKEN_FIELD, tokenOwnerId, type TokenAccess, type TokenRecord, type TokenSecrets } from '../store';
import { TOKEN_CHANNEL } from './change-feed';
import { SECRET_WRITE, type PostgresConnection, type Query } from './connection';

export const TOKEN_COLUMNS = `t.link_id, t.subject, t.token_type, t.scopes::text AS scopes, t.obtained_at, t.expires_at, t.refresh_at,
  t.has_refresh_token, t.state, t.failure_count, t.next_attempt_at, t.last_error_code, t.updated_at,
  t.refresh_expires_at`;

/**
 * Where token writes happen. `changes` collects the credentials written, for the local listeners
 * once the enclosing transaction has committed.
 */
export interface TokenScope {
  read: Query;
  write<T>(meaning: ErrorMeaning, work: (q: Query, changes: TokenChange[]) => Promise<T>): Promise<T>;
}

/** The values of a token record in the order of the $1..$13 placeholders below. */
function tokenParams(t: TokenColumns): unknown[] {
  return [t.linkId, t.subject, t.tokenType, t.scopes, t.obtainedAt, t.expiresAt, t.refreshAt, t.hasRefreshToken, t.state, t.failureCount, t.nextAttemptAt, t.lastErrorCode, t.updatedAt];
}

/** The insert's parameters: the record's, then the refresh token's expiry ($14), which only `save` writes. */
function tokenInsertParams(t: TokenColumns): unknown[] {
  return [...tokenParams(t), t.refreshExpiresAt];
}

/** Delivered by PostgreSQL when the enclosing transaction commits, dropped if it rolls back. */
export async function notifyChange(q: Query, origin: string, change: TokenChange): Promise<void> {
  await q('SELECT pg_notify($1, $2)', [TOKEN_CHANNEL, encodeNotification(origin, change)]);
}

export function tokenAccess(c: PostgresConnection, origin: string, scope: TokenScope): TokenAccess {
  const saveToken = async (q: Query, t: TokenColumns, secrets: TokenSecrets, changes: TokenChange[]): Promise<void> => {
    await c.requireLink(q, t.linkId);
    await q(
      `INSERT INTO tokens (link_id, subject, token_type, scopes, obtained_at, expires_at, refresh_at,
                           has_refresh_token, state, failure_count, next_attempt_at, last_error_code, updated_at, refresh_expires_at)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
       ON CONFLICT (link_id, subject) DO UPDATE SET
         token_type = excluded.token_type, scopes = excluded.scopes, obtained_at = excluded.obtained_at,
         expires_at = excluded.expires_at, refresh_at = excluded.refresh_at, has_refresh_token = excluded.has_refresh_token,
         state = excluded.state, failure_count = excluded.failure_count, next_attempt_at = excluded.next_attempt_at,
         last_error_code = excluded.last_error_code, updated_at = excluded.updated_at, refresh_expires_at = excluded.refresh_expires_at`,
      tokenInsertParams(t),
    );
    const owner = tokenOwnerId(t.linkId, t.subject);
    await c.putSecret(q, owner, ACCESS_TOKEN_FIELD, secrets.accessToken);
    if (secrets.refreshToken === null) await q('DELETE FROM secrets WHERE owner_id = $1 AND field = $2', [owner, REFRESH_TOKEN_FIELD]);
    else await c.putSecret(q, owner, REFRESH_TOKEN_FIELD, secrets.refreshToken);
    const change = { linkId: t.linkId, subject: t.subject };
    await notifyChange(q, origin, change);
    changes.push(change);
  };

  const saveTokenRecord = async (q: Query, t: TokenColumns): Promise<void> => {
    // has_refresh_token in the WHERE clause: it follows the sealed tokens, which this write keeps.
    const result = await q(
      `UPDATE tokens SET token_type = $3, scopes = $4::jsonb, obtained_at = $5, expires_at = $6, refresh_at = $7,
              state = $9, failure_count = $10, next_attempt_at = $11, last_error_code = $12, updated_at = $13
       WHERE link_id = $1 AND subject = $2 AND has_refresh_token = $8`,
      tokenParams(t),
    );
    if (result.rowCount !== 0) return;
    const { rows } = await q('SELECT has_refresh_token FROM tokens WHERE link_id = $1 AND subject = $2', [t.linkId, t.subject]);
    if (rows[0] === undefined) throw tokenNotFoundError();
    if (hasRefreshTokenFromRow(rows[0]) !== t.hasRefreshToken) throw refreshTokenFlagError();
  };

  return {
    async get(linkId, subject) {
      // One statement, so the record and its tokens come from one snapshot.
      const { rows } = await scope.read(
        `SELECT ${TOKEN_COLUMNS},
                a.key_version AS access_key_version, a.ciphertext AS access_ciphertext,
                r.key_version AS refresh_key_version, r.ciphertext AS refresh_ciphertext
         FROM tokens t
         LEFT JOIN secrets a ON a.owner_id = $3 AND a.field = $4
         LEFT JOIN secrets r ON r.owner_id = $3 AND r.field = $5
         WHERE t.link_id = $1 AND t.subject = $2`,
        [linkId, subject, tokenOwnerId(linkId, subject), ACCESS_TOKEN_FIELD, REFRESH_TOKEN_FIELD],
      );
      return rows[0] === undefined ? undefined : storedTokenFromRow(rows[0]);
    },
    async save(record: TokenRecord, secrets: TokenSecrets) {
      const t = toTokenColumns(record);
      checkTokenSecrets(record, secrets);
      await scope.write(SECRET_WRITE, (q, changes) => saveToken(q, t, secrets, changes));
    },
    async saveRecord(record: TokenRecord) {
      const t = toTokenColumns(record);
      await scope.write({}, (q) => saveTokenRecord(q, t));
    },
  };
}

/** Outside a lock: each write is a transaction of its own, announced locally once committed. */
export function poolScope(c: PostgresConnection, listeners: ChangeListeners): TokenScope {
  return {
    read: (text, params) => c.query({}, text, params),
    async write(meaning, work) {
      const changes: TokenChange[] = [];
      const result = await c.transaction(meaning, (q) => work(q, changes));
      listeners.emit(changes);
      return result;
    },
  };
}
