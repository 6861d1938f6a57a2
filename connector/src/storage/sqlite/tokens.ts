/**
 * Credentials' tokens on SQLite. No transaction can stay open across an `await` here, so
 * `withLock` is a lock in this process (SQLite serves one; a second `serve` on the same folder is
 * refused at start-up) and each write inside it is a transaction of its own.
 */
import type { ChangeListeners } from '../changes';
import { accessAfterReleaseError, closedStoreError, refreshTokenFlagError, tokenNotFoundError } from '../errors';
import { KeyedMutex } from '../locks';
import {
  checkLimit,
  checkTimestamp,
  checkTokenSecrets,
  hasRefreshTokenFromRow,
  storedTokenFromRow,
  talliesFromRows,
  tokenFromRow,
  tokenStateCountFromRow,
  toTokenColumns,
  type TokenColumns,
} from '../records';
import {
  ACCESS_TOKEN_FIELD,
  REFRESH_TOKEN_FIELD,
  tokenOwnerId,
  type LockResult,
  type StoredToken,
  type TokenAccess,
  type TokenRecord,
  type TokenSecrets,
  type TokenStore,
} from '../store';
import { SECRET_WRITE, type SqliteConnection } from './connection';

const TOKEN_COLUMNS = `t.link_id, t.subject, t.token_type, t.scopes, t.obtained_at, t.expires_at, t.refresh_at,
  t.has_refresh_token, t.state, t.failure_count, t.next_attempt_at, t.last_error_code, t.updated_at,
  t.refresh_expires_at`;

/** A token record's values as named parameters (`@linkId` and so on); SQLite has no boolean. */
function tokenParams(c: TokenColumns): Omit<TokenColumns, 'hasRefreshToken'> & { hasRefreshToken: 0 | 1 } {
  return { ...c, hasRefreshToken: c.hasRefreshToken ? 1 : 0 };
}

export function sqliteTokens(c: SqliteConnection, listeners: ChangeListeners): TokenStore {
  const locks = new KeyedMutex();

  const getToken = (linkId: string, subject: string): StoredToken | undefined => {
    // One statement, so the record and its tokens come from one snapshot.
    const row = c
      .sql(
        `SELECT ${TOKEN_COLUMNS},
                a.key_version AS access_key_version, a.ciphertext AS access_ciphertext,
                r.key_version AS refresh_key_version, r.ciphertext AS refresh_ciphertext
         FROM tokens t
         LEFT JOIN secrets a ON a.owner_id = @owner AND a.field = @accessField
         LEFT JOIN secrets r ON r.owner_id = @owner AND r.field = @refreshField
         WHERE t.link_id = @linkId AND t.subject = @subject`,
      )
      .get({ linkId, subject, owner: tokenOwnerId(linkId, subject), accessField: ACCESS_TOKEN_FIELD, refreshField: REFRESH_TOKEN_FIELD });
    return row === undefined ? undefined : storedTokenFromRow(row);
  };

  const saveToken = (t: TokenColumns, secrets: TokenSecrets): void => {
    c.requireLink(t.linkId);
    c.sql(
      `INSERT INTO tokens (link_id, subject, token_type, scopes, obtained_at, expires_at, refresh_at,
                           has_refresh_token, state, failure_count, next_attempt_at, last_error_code, updated_at, refresh_expires_at)
       VALUES (@linkId, @subject, @tokenType, @scopes, @obtainedAt, @expiresAt, @refreshAt,
               @hasRefreshToken, @state, @failureCount, @nextAttemptAt, @lastErrorCode, @updatedAt, @refreshExpiresAt)
       ON CONFLICT (link_id, subject) DO UPDATE SET
         token_type = excluded.token_type, scopes = excluded.scopes, obtained_at = excluded.obtained_at,
         expires_at = excluded.expires_at, refresh_at = excluded.refresh_at, has_refresh_token = excluded.has_refresh_token,
         state = excluded.state, failure_count = excluded.failure_count, next_attempt_at = excluded.next_attempt_at,
         last_error_code = excluded.last_error_code, updated_at = excluded.updated_at, refresh_expires_at = excluded.refresh_expires_at`,
    ).run(tokenParams(t));
    const owner = tokenOwnerId(t.linkId, t.subject);
    c.putSecret(owner, ACCESS_TOKEN_FIELD, secrets.accessToken);
    if (secrets.refreshToken === null) c.sql('DELETE FROM secrets WHERE owner_id = ? AND field = ?').run(owner, REFRESH_TOKEN_FIELD);
    else c.putSecret(owner, REFRESH_TOKEN_FIELD, secrets.refreshToken);
  };

  const saveTokenRecord = (t: TokenColumns): void => {
    // has_refresh_token in the WHERE clause: it follows the sealed tokens, which this write keeps.
    const result = c
      .sql(
        `UPDATE tokens SET token_type = @tokenType, scopes = @scopes, obtained_at = @obtainedAt, expires_at = @expiresAt,
                refresh_at = @refreshAt, state = @state, failure_count = @failureCount, next_attempt_at = @nextAttemptAt,
                last_error_code = @lastErrorCode, updated_at = @updatedAt
         WHERE link_id = @linkId AND subject = @subject AND has_refresh_token = @hasRefreshToken`,
      )
      .run(tokenParams(t));
    if (result.changes > 0) return;
    const row = c.sql('SELECT has_refresh_token FROM tokens WHERE link_id = ? AND subject = ?').get(t.linkId, t.subject);
    if (row === undefined) throw tokenNotFoundError();
    if (hasRefreshTokenFromRow(row) !== t.hasRefreshToken) throw refreshTokenFlagError();
  };

  /** Each write is a transaction of its own; its listeners hear of it once it has committed. */
  const tokenAccess: TokenAccess = {
    async get(linkId: string, subject: string) {
      return c.run({}, () => getToken(linkId, subject));
    },
    async save(record: TokenRecord, secrets: TokenSecrets) {
      const t = toTokenColumns(record);
      checkTokenSecrets(record, secrets);
      c.writeTransaction(SECRET_WRITE, () => saveToken(t, secrets));
      listeners.emit([{ linkId: t.linkId, subject: t.subject }]);
    },
    async saveRecord(record: TokenRecord) {
      const t = toTokenColumns(record);
      c.writeTransaction({}, () => saveTokenRecord(t));
    },
  };

  /** The same operations for `work`, refused once its lock is released. */
  const lockedAccess = (isOpen: () => boolean): TokenAccess => {
    const guard = () => {
      if (!isOpen()) throw accessAfterReleaseError();
    };
    return {
      async get(linkId, subject) {
        guard();
        return tokenAccess.get(linkId, subject);
      },
      async save(record, secrets) {
        guard();
        return tokenAccess.save(record, secrets);
      },
      async saveRecord(record) {
        guard();
        return tokenAccess.saveRecord(record);
      },
    };
  };

  return {
    ...tokenAccess,

    async withLock<T>(linkId: string, subject: string, { wait }: { wait: boolean }, work: (access: TokenAccess) => Promise<T>): Promise<LockResult<T>> {
      if (c.closed) throw closedStoreError();
      const key = `${linkId}\0${subject}`;
      const release = wait ? await locks.acquire(key) : locks.tryAcquire(key);
      if (release === undefined) return { acquired: false };
      let open = true;
      try {
        return { acquired: true, value: await work(lockedAccess(() => open)) };
      } finally {
        open = false;
        release();
      }
    },

    async listDue(before: string, now: string, limit: number) {
      checkTimestamp(before, 'before');
      checkTimestamp(now, 'now');
      checkLimit(limit);
      const rows = c.run({}, () =>
        c
          .sql(
            `SELECT ${TOKEN_COLUMNS} FROM tokens t
             WHERE t.state = 'valid' AND t.refresh_at <= ? AND (t.next_attempt_at IS NULL OR t.next_attempt_at <= ?)
             ORDER BY t.expires_at, t.link_id, t.subject LIMIT ?`,
          )
          .all(before, now, limit),
      );
      return rows.map(tokenFromRow);
    },

    async listForLink(linkId: string) {
      const rows = c.run({}, () => c.sql(`SELECT ${TOKEN_COLUMNS} FROM tokens t WHERE t.link_id = ? ORDER BY t.subject`).all(linkId));
      return rows.map(tokenFromRow);
    },

    async tally(linkIds: readonly string[]) {
      if (linkIds.length === 0) return new Map();
      const ids = JSON.stringify(linkIds);
      // Both reads run back to back on the one connection, with nothing in between: one snapshot.
      const [own, users] = c.run({}, () => [
        c.sql(`SELECT ${TOKEN_COLUMNS} FROM tokens t WHERE t.subject = '' AND t.link_id IN (SELECT value FROM json_each(?))`).all(ids),
        c
          .sql(
            `SELECT t.link_id AS link_id, COUNT(*) AS users,
                    SUM(CASE WHEN t.state = 'needs-reauthorization' THEN 1 ELSE 0 END) AS reauth,
                    MIN(CASE WHEN t.state = 'valid' THEN t.expires_at END) AS soonest
             FROM tokens t WHERE t.subject <> '' AND t.link_id IN (SELECT value FROM json_each(?)) GROUP BY t.link_id`,
          )
          .all(ids),
      ]);
      return talliesFromRows(own, users);
    },

    async delete(linkId: string, subject: string) {
      const deleted = c.writeTransaction({}, () => {
        c.sql('DELETE FROM secrets WHERE owner_id = ?').run(tokenOwnerId(linkId, subject));
        return c.sql('DELETE FROM tokens WHERE link_id = ? AND subject = ?').run(linkId, subject).changes > 0;
      });
      if (deleted) listeners.emit([{ linkId, subject }]);
      return deleted;
    },

    async countByState() {
      const rows = c.run({}, () => c.sql('SELECT state, count(*) AS count FROM tokens GROUP BY state').all());
      return { valid: 0, 'needs-reauthorization': 0, ...Object.fromEntries(rows.map(tokenStateCountFromRow)) };
    },

    onChange(listener: (linkId: string, subject: string) => void) {
      if (c.closed) throw closedStoreError();
      return listeners.add(listener);
    },
  };
}
