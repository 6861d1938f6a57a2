/**
 * The SQLite adapter (better-sqlite3): the embedded default, one file in the data directory.
 *
 * better-sqlite3 is synchronous, so every transaction below runs start to end without yielding to
 * the event loop: nothing else in this process can interleave with it. Another process (the CLI's
 * `rotate-key` while the server runs) is kept apart by SQLite's file locks: WAL lets readers go on
 * during a write, `busy_timeout` makes a writer wait for the other's lock instead of failing at
 * once, and write transactions start with BEGIN IMMEDIATE so they take the write lock before they
 * read (a deferred transaction that reads first could find its snapshot stale and fail without
 * waiting).
 *
 * For the same reason no transaction can stay open across an `await`: `tokens.withLock` is a lock
 * in this process (SQLite serves one), and each write inside it is a transaction of its own.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ChangeListeners, type BackgroundErrorHandler, type TokenChange } from './changes';
import {
  accessAfterReleaseError,
  AUTH_STATE_EXISTS_MESSAGE,
  checkDistinctVersions,
  closedStoreError,
  conflictError,
  CONSUMER_EXISTS_MESSAGE,
  KEY_VERSION_EXISTS_MESSAGE,
  keySetChangedError,
  LINK_EXISTS_MESSAGE,
  linkNotFoundError,
  missingVerifierError,
  refreshTokenFlagError,
  tokenNotFoundError,
  toStoreError,
  type DriverFailure,
  type ErrorMeaning,
} from './errors';
import { KeyedMutex } from './locks';
import { pendingMigrations, SQLITE_MIGRATIONS } from './migrations';
import {
  authStateFromRow,
  checkAuthStateRecord,
  checkKeyVersion,
  checkLimit,
  checkNextVersion,
  checkTimestamp,
  checkTokenSecrets,
  checkVaultKeyRow,
  consumerFromRow,
  countFromRow,
  linkIdFromRow,
  decodeCursor,
  hasRefreshTokenFromRow,
  idFromRow,
  keyVersionCountFromRow,
  linkFromRow,
  notConsumed,
  sealedFromRow,
  secretFromRow,
  settingFromRow,
  settingToJson,
  storedTokenFromRow,
  subjectFromRow,
  toConsumerColumns,
  talliesFromRows,
  tokenFromRow,
  tokenStateCountFromRow,
  toLinkColumns,
  toPage,
  toTokenColumns,
  vaultKeyFromRow,
  versionFromRow,
  type LinkColumns,
  type TokenColumns,
} from './records';
import {
  ACCESS_TOKEN_FIELD,
  authStateOwnerId,
  CODE_VERIFIER_FIELD,
  REFRESH_TOKEN_FIELD,
  tokenOwnerId,
  type AuthStateRecord,
  type ConsumeResult,
  type ConsumerRecord,
  type LinkRecord,
  type LockResult,
  type SealedSecret,
  type SecretChanges,
  type Store,
  type StoredToken,
  type TokenAccess,
  type TokenRecord,
  type TokenSecrets,
  type VaultKeyRow,
} from './store';

export interface SqliteStoreOptions {
  /** The database file (its folder is created if missing), or `':memory:'`. */
  file: string;
  /** How long to wait for another process's lock before failing with UNAVAILABLE. */
  busyTimeoutMs?: number;
  /** The clock for `updated_at` of secrets. */
  now?: () => Date;
  /** Failures nobody awaits (a change listener that threw): pass the logger. */
  onBackgroundError?: BackgroundErrorHandler;
}

const TOKEN_COLUMNS = `t.link_id, t.subject, t.token_type, t.scopes, t.obtained_at, t.expires_at, t.refresh_at,
  t.has_refresh_token, t.state, t.failure_count, t.next_attempt_at, t.last_error_code, t.updated_at`;
const AUTH_STATE_COLUMNS = 'id, link_id, subject, created_at, expires_at, used_at';
const CONSUMER_COLUMNS = 'id, name, key_hash, link_ids, created_at';

/** A token record's values as named parameters (`@linkId` and so on); SQLite has no boolean. */
function tokenParams(c: TokenColumns): Omit<TokenColumns, 'hasRefreshToken'> & { hasRefreshToken: 0 | 1 } {
  return { ...c, hasRefreshToken: c.hasRefreshToken ? 1 : 0 };
}

const UNAVAILABLE_MESSAGE = 'The SQLite database is locked by another process or cannot be opened; check the data directory.';
const SECRET_WRITE: ErrorMeaning = { secretKeyVersion: true };

export function createSqliteStore(options: SqliteStoreOptions): Store {
  const db = open(options.file, options.busyTimeoutMs ?? 5_000);
  const now = () => (options.now ?? (() => new Date()))().toISOString();
  let closed = false;

  const statements = new Map<string, Database.Statement>();
  const sql = (text: string): Database.Statement => {
    let statement = statements.get(text);
    if (!statement) {
      statement = db.prepare(text);
      statements.set(text, statement);
    }
    return statement;
  };

  /** Runs `work` and maps what it throws; `async` callers turn the throw into a rejection. */
  const run = <T>(meaning: ErrorMeaning, work: () => T): T => {
    if (closed) throw closedStoreError();
    try {
      return work();
    } catch (error) {
      throw toStoreError(error, classify(error), meaning, UNAVAILABLE_MESSAGE);
    }
  };
  const writeTransaction = <T>(meaning: ErrorMeaning, work: () => T): T => run(meaning, () => db.transaction(work).immediate());

  const putSecret = (ownerId: string, field: string, sealed: SealedSecret): void => {
    checkKeyVersion(sealed.keyVersion);
    sql(
      `INSERT INTO secrets (owner_id, field, key_version, ciphertext, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (owner_id, field) DO UPDATE SET
         key_version = excluded.key_version, ciphertext = excluded.ciphertext, updated_at = excluded.updated_at`,
    ).run(ownerId, field, sealed.keyVersion, sealed.ciphertext, now());
  };

  /** Deletes first, then puts: a field named in both ends up holding the new value. */
  const applySecretChanges = (ownerId: string, changes: SecretChanges | undefined): void => {
    for (const field of changes?.delete ?? []) sql('DELETE FROM secrets WHERE owner_id = ? AND field = ?').run(ownerId, field);
    for (const { field, sealed } of changes?.put ?? []) putSecret(ownerId, field, sealed);
  };

  const linkParams = (c: LinkColumns) => [c.id, c.createdAt, c.updatedAt, c.version, c.document] as const;

  /** Inside a write transaction, which holds SQLite's write lock: the link cannot go before it commits. */
  const requireLink = (linkId: string): void => {
    if (sql('SELECT 1 FROM links WHERE id = ?').get(linkId) === undefined) throw linkNotFoundError();
  };

  /* ---- Tokens ---- */

  const listeners = new ChangeListeners(options.onBackgroundError ?? (() => undefined));
  const locks = new KeyedMutex();

  const getToken = (linkId: string, subject: string): StoredToken | undefined => {
    // One statement, so the record and its tokens come from one snapshot.
    const row = sql(
      `SELECT ${TOKEN_COLUMNS},
              a.key_version AS access_key_version, a.ciphertext AS access_ciphertext,
              r.key_version AS refresh_key_version, r.ciphertext AS refresh_ciphertext
       FROM tokens t
       LEFT JOIN secrets a ON a.owner_id = @owner AND a.field = @accessField
       LEFT JOIN secrets r ON r.owner_id = @owner AND r.field = @refreshField
       WHERE t.link_id = @linkId AND t.subject = @subject`,
    ).get({ linkId, subject, owner: tokenOwnerId(linkId, subject), accessField: ACCESS_TOKEN_FIELD, refreshField: REFRESH_TOKEN_FIELD });
    return row === undefined ? undefined : storedTokenFromRow(row);
  };

  const saveToken = (c: TokenColumns, secrets: TokenSecrets): void => {
    requireLink(c.linkId);
    sql(
      `INSERT INTO tokens (link_id, subject, token_type, scopes, obtained_at, expires_at, refresh_at,
                           has_refresh_token, state, failure_count, next_attempt_at, last_error_code, updated_at)
       VALUES (@linkId, @subject, @tokenType, @scopes, @obtainedAt, @expiresAt, @refreshAt,
               @hasRefreshToken, @state, @failureCount, @nextAttemptAt, @lastErrorCode, @updatedAt)
       ON CONFLICT (link_id, subject) DO UPDATE SET
         token_type = excluded.token_type, scopes = excluded.scopes, obtained_at = excluded.obtained_at,
         expires_at = excluded.expires_at, refresh_at = excluded.refresh_at, has_refresh_token = excluded.has_refresh_token,
         state = excluded.state, failure_count = excluded.failure_count, next_attempt_at = excluded.next_attempt_at,
         last_error_code = excluded.last_error_code, updated_at = excluded.updated_at`,
    ).run(tokenParams(c));
    const owner = tokenOwnerId(c.linkId, c.subject);
    putSecret(owner, ACCESS_TOKEN_FIELD, secrets.accessToken);
    if (secrets.refreshToken === null) sql('DELETE FROM secrets WHERE owner_id = ? AND field = ?').run(owner, REFRESH_TOKEN_FIELD);
    else putSecret(owner, REFRESH_TOKEN_FIELD, secrets.refreshToken);
  };

  const saveTokenRecord = (c: TokenColumns): void => {
    // has_refresh_token in the WHERE clause: it follows the sealed tokens, which this write keeps.
    const result = sql(
      `UPDATE tokens SET token_type = @tokenType, scopes = @scopes, obtained_at = @obtainedAt, expires_at = @expiresAt,
              refresh_at = @refreshAt, state = @state, failure_count = @failureCount, next_attempt_at = @nextAttemptAt,
              last_error_code = @lastErrorCode, updated_at = @updatedAt
       WHERE link_id = @linkId AND subject = @subject AND has_refresh_token = @hasRefreshToken`,
    ).run(tokenParams(c));
    if (result.changes > 0) return;
    const row = sql('SELECT has_refresh_token FROM tokens WHERE link_id = ? AND subject = ?').get(c.linkId, c.subject);
    if (row === undefined) throw tokenNotFoundError();
    if (hasRefreshTokenFromRow(row) !== c.hasRefreshToken) throw refreshTokenFlagError();
  };

  /** Each write is a transaction of its own; its listeners hear of it once it has committed. */
  const tokenAccess: TokenAccess = {
    async get(linkId: string, subject: string) {
      return run({}, () => getToken(linkId, subject));
    },
    async save(record: TokenRecord, secrets: TokenSecrets) {
      const c = toTokenColumns(record);
      checkTokenSecrets(record, secrets);
      writeTransaction(SECRET_WRITE, () => saveToken(c, secrets));
      listeners.emit([{ linkId: c.linkId, subject: c.subject }]);
    },
    async saveRecord(record: TokenRecord) {
      const c = toTokenColumns(record);
      writeTransaction({}, () => saveTokenRecord(c));
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
    dialect: 'sqlite',

    links: {
      async create(record: LinkRecord, secrets?: SecretChanges) {
        const columns = toLinkColumns(record);
        writeTransaction({ unique: LINK_EXISTS_MESSAGE, secretKeyVersion: true }, () => {
          sql('INSERT INTO links (id, created_at, updated_at, version, document) VALUES (?, ?, ?, ?, ?)').run(...linkParams(columns));
          applySecretChanges(columns.id, secrets);
        });
      },

      async get(id: string) {
        const row = run({}, () => sql('SELECT id, created_at, updated_at, version, document FROM links WHERE id = ?').get(id));
        return row === undefined ? undefined : linkFromRow(row);
      },

      async list({ limit, cursor }) {
        checkLimit(limit);
        const after = cursor === undefined ? undefined : decodeCursor(cursor);
        const rows = run({}, () =>
          after === undefined
            ? sql('SELECT id, created_at, updated_at, version, document FROM links ORDER BY created_at, id LIMIT ?').all(limit + 1)
            : sql(
                `SELECT id, created_at, updated_at, version, document FROM links
                 WHERE (created_at, id) > (?, ?) ORDER BY created_at, id LIMIT ?`,
              ).all(after.createdAt, after.id, limit + 1),
        );
        return toPage(rows.map(linkFromRow), limit);
      },

      async count() {
        return countFromRow(run({}, () => sql('SELECT count(*) AS count FROM links').get()));
      },

      async exist(ids: readonly string[]) {
        if (ids.length === 0) return new Set<string>();
        const rows = run({}, () => sql('SELECT id FROM links WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(ids)));
        return new Set(rows.map(linkIdFromRow));
      },

      async update(record: LinkRecord, expectedVersion: number, secrets?: SecretChanges) {
        checkNextVersion(record, expectedVersion);
        const columns = toLinkColumns(record);
        writeTransaction(SECRET_WRITE, () => {
          const result = sql('UPDATE links SET created_at = ?, updated_at = ?, version = ?, document = ? WHERE id = ? AND version = ?').run(
            columns.createdAt,
            columns.updatedAt,
            columns.version,
            columns.document,
            columns.id,
            expectedVersion,
          );
          if (result.changes === 0) {
            throw sql('SELECT 1 FROM links WHERE id = ?').get(columns.id) === undefined ? linkNotFoundError() : conflictError();
          }
          applySecretChanges(columns.id, secrets);
        });
      },

      async setStatus(id: string, status: string, reason: string | null, updatedAt: string) {
        return writeTransaction({}, () => {
          const row = sql('SELECT id, created_at, updated_at, version, document FROM links WHERE id = ?').get(id);
          if (row === undefined) return false;
          const current = linkFromRow(row);
          if (current.status === status && current.statusReason === reason) return false;
          const c = toLinkColumns({ ...current, status, statusReason: reason, updatedAt, version: current.version + 1 });
          sql('UPDATE links SET updated_at = ?, version = ?, document = ? WHERE id = ?').run(c.updatedAt, c.version, c.document, id);
          return true;
        });
      },

      async delete(id: string) {
        const changes: TokenChange[] = [];
        const deleted = writeTransaction({}, () => {
          const subjects = sql('SELECT subject FROM tokens WHERE link_id = ?').all(id).map(subjectFromRow);
          const stateIds = sql('SELECT id FROM auth_states WHERE link_id = ?').all(id).map(idFromRow);
          // Secrets first: they are owned by the link, its credentials and its requests, and nothing may outlive it.
          const owners = [id, ...subjects.map((subject) => tokenOwnerId(id, subject)), ...stateIds.map(authStateOwnerId)];
          for (const owner of owners) sql('DELETE FROM secrets WHERE owner_id = ?').run(owner);
          sql('DELETE FROM auth_states WHERE link_id = ?').run(id);
          sql('DELETE FROM tokens WHERE link_id = ?').run(id);
          changes.push(...subjects.map((subject) => ({ linkId: id, subject })));
          return sql('DELETE FROM links WHERE id = ?').run(id).changes > 0;
        });
        listeners.emit(changes);
        return deleted;
      },
    },

    secrets: {
      async get(ownerId: string, field: string) {
        const row = run({}, () => sql('SELECT key_version, ciphertext FROM secrets WHERE owner_id = ? AND field = ?').get(ownerId, field));
        return row === undefined ? undefined : sealedFromRow(row);
      },

      async put(ownerId: string, field: string, sealed: SealedSecret) {
        run(SECRET_WRITE, () => putSecret(ownerId, field, sealed));
      },

      async delete(ownerId: string, field: string) {
        return run({}, () => sql('DELETE FROM secrets WHERE owner_id = ? AND field = ?').run(ownerId, field).changes > 0);
      },

      async listBelowKeyVersion(version: number, limit: number) {
        checkLimit(limit);
        const rows = run({}, () =>
          sql(
            `SELECT owner_id, field, key_version, ciphertext FROM secrets
             WHERE key_version < ? ORDER BY owner_id, field LIMIT ?`,
          ).all(version, limit),
        );
        return rows.map(secretFromRow);
      },

      async compareAndSwap(ownerId: string, field: string, expected: string, next: SealedSecret) {
        checkKeyVersion(next.keyVersion);
        return run(SECRET_WRITE, () => {
          const result = sql(
            `UPDATE secrets SET key_version = ?, ciphertext = ?, updated_at = ?
             WHERE owner_id = ? AND field = ? AND ciphertext = ?`,
          ).run(next.keyVersion, next.ciphertext, now(), ownerId, field, expected);
          return result.changes > 0;
        });
      },

      async countByKeyVersion() {
        const rows = run({}, () => sql('SELECT key_version, count(*) AS count FROM secrets GROUP BY key_version ORDER BY key_version').all());
        return new Map(rows.map(keyVersionCountFromRow));
      },
    },

    vaultKeys: {
      async list() {
        const rows = run({}, () => sql('SELECT version, master_key_id, wrapped_key, created_at FROM vault_keys ORDER BY version').all());
        return rows.map(vaultKeyFromRow);
      },

      async insert(row: VaultKeyRow) {
        checkVaultKeyRow(row);
        run({ unique: KEY_VERSION_EXISTS_MESSAGE }, () =>
          sql('INSERT INTO vault_keys (version, master_key_id, wrapped_key, created_at) VALUES (?, ?, ?, ?)').run(
            row.version,
            row.masterKeyId,
            row.wrappedKey,
            row.createdAt,
          ),
        );
      },

      async replaceAll(rows: VaultKeyRow[]) {
        rows.forEach(checkVaultKeyRow);
        checkDistinctVersions(rows.map((row) => row.version));
        writeTransaction({}, () => {
          for (const row of rows) {
            const result = sql('UPDATE vault_keys SET master_key_id = ?, wrapped_key = ?, created_at = ? WHERE version = ?').run(
              row.masterKeyId,
              row.wrappedKey,
              row.createdAt,
              row.version,
            );
            if (result.changes === 0) throw keySetChangedError();
          }
          // A key added since the caller listed them would stay wrapped by the old master key.
          if (countFromRow(sql('SELECT count(*) AS count FROM vault_keys').get()) !== rows.length) throw keySetChangedError();
        });
      },

      async deleteUnreferencedBelow(version: number) {
        // One statement under the write lock: no secret can start referencing a key between the
        // NOT EXISTS check and the delete (SQLite has one writer at a time).
        const rows = writeTransaction({}, () =>
          sql(
            `DELETE FROM vault_keys
             WHERE version < ? AND NOT EXISTS (SELECT 1 FROM secrets WHERE secrets.key_version = vault_keys.version)
             RETURNING version`,
          ).all(version),
        );
        return rows.map(versionFromRow).sort((a, b) => a - b);
      },
    },

    settings: {
      async get<T = unknown>(key: string): Promise<T | undefined> {
        const row = run({}, () => sql('SELECT value FROM settings WHERE key = ?').get(key));
        // The caller owns the shape of its setting and parses it; here it is only JSON.
        return row === undefined ? undefined : (settingFromRow(row) as T);
      },

      async set(key: string, value: unknown) {
        const json = settingToJson(value);
        run({}, () => sql('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, json));
      },

      async delete(key: string) {
        return run({}, () => sql('DELETE FROM settings WHERE key = ?').run(key).changes > 0);
      },
    },

    tokens: {
      ...tokenAccess,

      async withLock<T>(linkId: string, subject: string, { wait }: { wait: boolean }, work: (access: TokenAccess) => Promise<T>): Promise<LockResult<T>> {
        if (closed) throw closedStoreError();
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
        const rows = run({}, () =>
          sql(
            `SELECT ${TOKEN_COLUMNS} FROM tokens t
             WHERE t.state = 'valid' AND t.refresh_at <= ? AND (t.next_attempt_at IS NULL OR t.next_attempt_at <= ?)
             ORDER BY t.expires_at, t.link_id, t.subject LIMIT ?`,
          ).all(before, now, limit),
        );
        return rows.map(tokenFromRow);
      },

      async listForLink(linkId: string) {
        const rows = run({}, () => sql(`SELECT ${TOKEN_COLUMNS} FROM tokens t WHERE t.link_id = ? ORDER BY t.subject`).all(linkId));
        return rows.map(tokenFromRow);
      },

      async tally(linkIds: readonly string[]) {
        if (linkIds.length === 0) return new Map();
        const ids = JSON.stringify(linkIds);
        // Both reads run back to back on the one connection, with nothing in between: one snapshot.
        const [own, users] = run({}, () => [
          sql(`SELECT ${TOKEN_COLUMNS} FROM tokens t WHERE t.subject = '' AND t.link_id IN (SELECT value FROM json_each(?))`).all(ids),
          sql(
            `SELECT t.link_id AS link_id, COUNT(*) AS users,
                    SUM(CASE WHEN t.state = 'needs-reauthorization' THEN 1 ELSE 0 END) AS reauth,
                    MIN(CASE WHEN t.state = 'valid' THEN t.expires_at END) AS soonest
             FROM tokens t WHERE t.subject <> '' AND t.link_id IN (SELECT value FROM json_each(?)) GROUP BY t.link_id`,
          ).all(ids),
        ]);
        return talliesFromRows(own, users);
      },

      async delete(linkId: string, subject: string) {
        const deleted = writeTransaction({}, () => {
          sql('DELETE FROM secrets WHERE owner_id = ?').run(tokenOwnerId(linkId, subject));
          return sql('DELETE FROM tokens WHERE link_id = ? AND subject = ?').run(linkId, subject).changes > 0;
        });
        if (deleted) listeners.emit([{ linkId, subject }]);
        return deleted;
      },

      async countByState() {
        const rows = run({}, () => sql('SELECT state, count(*) AS count FROM tokens GROUP BY state').all());
        return { valid: 0, 'needs-reauthorization': 0, ...Object.fromEntries(rows.map(tokenStateCountFromRow)) };
      },

      onChange(listener: (linkId: string, subject: string) => void) {
        if (closed) throw closedStoreError();
        return listeners.add(listener);
      },
    },

    authStates: {
      async create(record: AuthStateRecord, codeVerifier: SealedSecret) {
        const r = checkAuthStateRecord(record);
        writeTransaction({ unique: AUTH_STATE_EXISTS_MESSAGE, secretKeyVersion: true }, () => {
          requireLink(r.linkId);
          sql(`INSERT INTO auth_states (${AUTH_STATE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`).run(r.id, r.linkId, r.subject, r.createdAt, r.expiresAt, r.usedAt);
          putSecret(authStateOwnerId(r.id), CODE_VERIFIER_FIELD, codeVerifier);
        });
      },

      async consume(id: string, now: string): Promise<ConsumeResult> {
        checkTimestamp(now, 'now');
        return writeTransaction({}, (): ConsumeResult => {
          // Under the write lock, so of concurrent consumers (even in another process) one matches.
          const used = sql(
            `UPDATE auth_states SET used_at = ? WHERE id = ? AND used_at IS NULL AND expires_at > ? RETURNING ${AUTH_STATE_COLUMNS}`,
          ).get(now, id, now);
          if (used !== undefined) {
            const record = authStateFromRow(used);
            const verifier = sql('DELETE FROM secrets WHERE owner_id = ? AND field = ? RETURNING key_version, ciphertext').get(
              authStateOwnerId(id),
              CODE_VERIFIER_FIELD,
            );
            if (verifier === undefined) throw missingVerifierError();
            return { outcome: 'consumed', record, codeVerifier: sealedFromRow(verifier) };
          }
          const row = sql(`SELECT ${AUTH_STATE_COLUMNS} FROM auth_states WHERE id = ?`).get(id);
          return notConsumed(row === undefined ? undefined : authStateFromRow(row), now);
        });
      },

      async purge(before: string) {
        checkTimestamp(before, 'before');
        return writeTransaction({}, () => {
          const ids = sql('DELETE FROM auth_states WHERE created_at < ? RETURNING id').all(before).map(idFromRow);
          for (const id of ids) sql('DELETE FROM secrets WHERE owner_id = ?').run(authStateOwnerId(id));
          return ids.length;
        });
      },
    },

    consumers: {
      async create(record: ConsumerRecord) {
        const c = toConsumerColumns(record);
        run({ unique: CONSUMER_EXISTS_MESSAGE }, () =>
          sql('INSERT INTO consumers (id, name, key_hash, link_ids, created_at) VALUES (?, ?, ?, ?, ?)').run(c.id, c.name, c.keyHash, c.linkIds, c.createdAt),
        );
      },

      async get(id: string) {
        const row = run({}, () => sql(`SELECT ${CONSUMER_COLUMNS} FROM consumers WHERE id = ?`).get(id));
        return row === undefined ? undefined : consumerFromRow(row);
      },

      async list() {
        const rows = run({}, () => sql(`SELECT ${CONSUMER_COLUMNS} FROM consumers ORDER BY created_at, id`).all());
        return rows.map(consumerFromRow);
      },

      async delete(id: string) {
        return run({}, () => sql('DELETE FROM consumers WHERE id = ?').run(id).changes > 0);
      },
    },

    async migrate() {
      writeTransaction({}, () => {
        db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT NOT NULL PRIMARY KEY, applied_at TEXT NOT NULL) STRICT');
        const applied = new Set(
          (db.prepare('SELECT id FROM schema_migrations').all() as { id: string }[]).map((row) => row.id),
        );
        for (const migration of pendingMigrations(SQLITE_MIGRATIONS, applied)) {
          db.exec(migration.sql);
          db.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)').run(migration.id, now());
        }
      });
      // Statements prepared against the old schema are dropped rather than trusted.
      statements.clear();
    },

    async ping() {
      run({}, () => db.prepare('SELECT 1').get());
    },

    async close() {
      if (closed) return;
      closed = true;
      statements.clear();
      db.close();
    },
  };
}

function open(file: string, busyTimeoutMs: number): Database.Database {
  try {
    if (file !== ':memory:' && file !== '') {
      // The data directory also holds the master key file: only this user may enter it.
      fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
      // Created 0600 before SQLite opens it; SQLite gives its -wal and -shm files the same mode.
      fs.closeSync(fs.openSync(file, 'a', 0o600));
    }
    const db = new Database(file, { timeout: busyTimeoutMs });
    // WAL so readers (the server) and a writer (the CLI) do not block each other; FULL sync stays
    // the default because a rotated refresh token lost on power failure cannot be recovered.
    // exec, not db.pragma(): under jest a second module instance of better-sqlite3 was seen to leave
    // foreign keys off after db.pragma(). Key rotation's safety rests on them, so check it is on.
    db.exec('PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;');
    if (db.prepare('PRAGMA foreign_keys').pluck().get() !== 1) throw new Error('SQLite did not turn foreign keys on');
    return db;
  } catch (error) {
    throw toStoreError(error, 'unavailable', {}, UNAVAILABLE_MESSAGE);
  }
}

function classify(error: unknown): DriverFailure {
  // By shape, not `instanceof`: the native addon keeps the SqliteError class of the first module
  // instance that loaded it, so a second instance (jest's per-file module registry) sees another.
  const code = typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'SqliteError' ? (error as { code?: unknown }).code : undefined;
  if (typeof code !== 'string') {
    // Thrown by the native addon, whose TypeError may belong to another realm than ours (jest).
    const message = typeof error === 'object' && error !== null && 'message' in error ? String(error.message) : '';
    return /database connection is not open/i.test(message) ? 'unavailable' : 'other';
  }
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') return 'unique';
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return 'foreign_key';
  if (/^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|FULL|READONLY|PROTOCOL)/.test(code)) return 'unavailable';
  return 'other';
}
