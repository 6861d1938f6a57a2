/**
 * The PostgreSQL adapter (pg.Pool), for several connector replicas sharing one database.
 *
 * Concurrency rests on the database, never on this process: updates name the version they read in
 * their WHERE clause (under READ COMMITTED a concurrent update makes the second one match no row),
 * secrets carry a foreign key to their data key, and migrations run under a transaction-scoped
 * advisory lock so replicas starting together apply them once. A credential's lock
 * (`tokens.withLock`) is a transaction-scoped advisory lock too, and token changes reach the other
 * replicas through NOTIFY (see `postgres-changes.ts`).
 */
import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import { ChangeListeners, encodeNotification, type BackgroundErrorHandler, type TokenChange } from './changes';
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
  lockedWorkRolledBackError,
  missingVerifierError,
  refreshTokenFlagError,
  tokenNotFoundError,
  toStoreError,
  type DriverFailure,
  type ErrorMeaning,
} from './errors';
import { KeyedMutex, Semaphore } from './locks';
import { pendingMigrations, POSTGRES_MIGRATIONS } from './migrations';
import { ChangeFeed, TOKEN_CHANNEL } from './postgres-changes';
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
  lockAcquiredFromRow,
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
  type TokenAccess,
  type TokenRecord,
  type TokenSecrets,
  type VaultKeyRow,
} from './store';

export interface PostgresStoreOptions {
  connectionString: string;
  /** Connections per replica; the default suits a handful of replicas on a default server. */
  poolSize?: number;
  /** How long to wait for a connection before failing with UNAVAILABLE. */
  connectTimeoutMs?: number;
  /** The clock for `updated_at` of secrets. */
  now?: () => Date;
  /**
   * How many pooled connections `tokens.withLock` may hold at once (each holds one for the whole
   * of its work). Defaults to half the pool, so the work itself and everything else still find one.
   */
  lockConnections?: number;
  /** Failures nobody awaits (a change listener that threw, the notification connection dropping): pass the logger. */
  onBackgroundError?: BackgroundErrorHandler;
}

type Query = (text: string, params?: unknown[]) => Promise<pg.QueryResult>;

const UNAVAILABLE_MESSAGE = 'PostgreSQL did not answer; check DATABASE_URL and that the server is up and accepts connections.';
const SECRET_WRITE: ErrorMeaning = { secretKeyVersion: true };

/** Any constant works as long as nothing else in the database uses it; this one spells "applinks". */
const MIGRATION_LOCK_KEY = '7021793235870788467';

const LINK_COLUMNS = 'id, created_at, updated_at, version, document::text AS document';
const TOKEN_COLUMNS = `t.link_id, t.subject, t.token_type, t.scopes::text AS scopes, t.obtained_at, t.expires_at, t.refresh_at,
  t.has_refresh_token, t.state, t.failure_count, t.next_attempt_at, t.last_error_code, t.updated_at`;
const AUTH_STATE_COLUMNS = 'id, link_id, subject, created_at, expires_at, used_at';
const CONSUMER_COLUMNS = 'id, name, key_hash, link_ids::text AS link_ids, created_at';

/** The values of a token record in the order of the $1..$13 placeholders below. */
function tokenParams(c: TokenColumns): unknown[] {
  return [
    c.linkId, c.subject, c.tokenType, c.scopes, c.obtainedAt, c.expiresAt, c.refreshAt,
    c.hasRefreshToken, c.state, c.failureCount, c.nextAttemptAt, c.lastErrorCode, c.updatedAt,
  ];
}

/**
 * Where token writes happen: on their own (a transaction each, from the pool) or inside
 * `withLock` (the lock's transaction). `changes` collects the credentials written, for the local
 * listeners once the enclosing transaction has committed.
 */
interface TokenScope {
  read: Query;
  write<T>(meaning: ErrorMeaning, work: (q: Query, changes: TokenChange[]) => Promise<T>): Promise<T>;
}

export function createPostgresStore(options: PostgresStoreOptions): Store {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
  });
  // An idle connection that the server drops is reported here; the next query that needs a
  // connection reports the outage as UNAVAILABLE. Without a listener pg would crash the process.
  pool.on('error', () => undefined);
  const now = () => (options.now ?? (() => new Date()))().toISOString();
  let closing: Promise<void> | undefined;

  const onBackgroundError = options.onBackgroundError ?? (() => undefined);
  const listeners = new ChangeListeners(onBackgroundError);
  const origin = randomUUID();
  const feed = new ChangeFeed({
    connectionString: options.connectionString,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    origin,
    listeners,
    onError: onBackgroundError,
  });
  const localLocks = new KeyedMutex();
  const lockSlots = new Semaphore(options.lockConnections ?? Math.max(1, Math.floor((options.poolSize ?? 10) / 2)));

  const mapped = (error: unknown, meaning: ErrorMeaning): unknown => toStoreError(error, classify(error), meaning, UNAVAILABLE_MESSAGE);

  const query = async (meaning: ErrorMeaning, text: string, params?: unknown[]): Promise<pg.QueryResult> => {
    if (closing) throw closedStoreError();
    try {
      return await pool.query(text, params);
    } catch (error) {
      throw mapped(error, meaning);
    }
  };

  const transaction = async <T>(meaning: ErrorMeaning, work: (q: Query) => Promise<T>): Promise<T> => {
    if (closing) throw closedStoreError();
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw mapped(error, meaning);
    }
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work((text, params) => client.query(text, params));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        // A connection that cannot roll back is not returned to the pool.
        broken = rollbackError instanceof Error ? rollbackError : new Error('ROLLBACK failed');
      }
      throw mapped(error, meaning);
    } finally {
      client.release(broken);
    }
  };

  const putSecret = async (q: Query, ownerId: string, field: string, sealed: SealedSecret): Promise<void> => {
    checkKeyVersion(sealed.keyVersion);
    await q(
      `INSERT INTO secrets (owner_id, field, key_version, ciphertext, updated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (owner_id, field) DO UPDATE SET
         key_version = excluded.key_version, ciphertext = excluded.ciphertext, updated_at = excluded.updated_at`,
      [ownerId, field, sealed.keyVersion, sealed.ciphertext, now()],
    );
  };

  /** Deletes first, then puts: a field named in both ends up holding the new value. */
  const applySecretChanges = async (q: Query, ownerId: string, changes: SecretChanges | undefined): Promise<void> => {
    for (const field of changes?.delete ?? []) await q('DELETE FROM secrets WHERE owner_id = $1 AND field = $2', [ownerId, field]);
    for (const { field, sealed } of changes?.put ?? []) await putSecret(q, ownerId, field, sealed);
  };

  /**
   * Inside a transaction: fails with NOT_FOUND unless the link exists, and keeps it from being
   * deleted until the transaction ends (so `links.delete` finds what this transaction writes).
   * KEY SHARE, the lock a foreign-key check takes, because it does not conflict with an update of
   * the link: work under `withLock` updates the link's status through the pool meanwhile.
   */
  const requireLink = async (q: Query, linkId: string): Promise<void> => {
    const { rowCount } = await q('SELECT 1 FROM links WHERE id = $1 FOR KEY SHARE', [linkId]);
    if (rowCount === 0) throw linkNotFoundError();
  };

  /* ---- Tokens ---- */

  /** Delivered by PostgreSQL when the enclosing transaction commits, dropped if it rolls back. */
  const notifyChange = async (q: Query, change: TokenChange): Promise<void> => {
    await q('SELECT pg_notify($1, $2)', [TOKEN_CHANNEL, encodeNotification(origin, change)]);
  };

  const getToken = async (read: Query, linkId: string, subject: string) => {
    // One statement, so the record and its tokens come from one snapshot.
    const { rows } = await read(
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
  };

  const saveToken = async (q: Query, c: TokenColumns, secrets: TokenSecrets, changes: TokenChange[]): Promise<void> => {
    await requireLink(q, c.linkId);
    await q(
      `INSERT INTO tokens (link_id, subject, token_type, scopes, obtained_at, expires_at, refresh_at,
                           has_refresh_token, state, failure_count, next_attempt_at, last_error_code, updated_at)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT (link_id, subject) DO UPDATE SET
         token_type = excluded.token_type, scopes = excluded.scopes, obtained_at = excluded.obtained_at,
         expires_at = excluded.expires_at, refresh_at = excluded.refresh_at, has_refresh_token = excluded.has_refresh_token,
         state = excluded.state, failure_count = excluded.failure_count, next_attempt_at = excluded.next_attempt_at,
         last_error_code = excluded.last_error_code, updated_at = excluded.updated_at`,
      tokenParams(c),
    );
    const owner = tokenOwnerId(c.linkId, c.subject);
    await putSecret(q, owner, ACCESS_TOKEN_FIELD, secrets.accessToken);
    if (secrets.refreshToken === null) await q('DELETE FROM secrets WHERE owner_id = $1 AND field = $2', [owner, REFRESH_TOKEN_FIELD]);
    else await putSecret(q, owner, REFRESH_TOKEN_FIELD, secrets.refreshToken);
    const change = { linkId: c.linkId, subject: c.subject };
    await notifyChange(q, change);
    changes.push(change);
  };

  const saveTokenRecord = async (q: Query, c: TokenColumns): Promise<void> => {
    // has_refresh_token in the WHERE clause: it follows the sealed tokens, which this write keeps.
    const result = await q(
      `UPDATE tokens SET token_type = $3, scopes = $4::jsonb, obtained_at = $5, expires_at = $6, refresh_at = $7,
              state = $9, failure_count = $10, next_attempt_at = $11, last_error_code = $12, updated_at = $13
       WHERE link_id = $1 AND subject = $2 AND has_refresh_token = $8`,
      tokenParams(c),
    );
    if (result.rowCount !== 0) return;
    const { rows } = await q('SELECT has_refresh_token FROM tokens WHERE link_id = $1 AND subject = $2', [c.linkId, c.subject]);
    if (rows[0] === undefined) throw tokenNotFoundError();
    if (hasRefreshTokenFromRow(rows[0]) !== c.hasRefreshToken) throw refreshTokenFlagError();
  };

  const tokenAccess = (scope: TokenScope): TokenAccess => ({
    get: (linkId, subject) => getToken(scope.read, linkId, subject),
    async save(record: TokenRecord, secrets: TokenSecrets) {
      const c = toTokenColumns(record);
      checkTokenSecrets(record, secrets);
      await scope.write(SECRET_WRITE, (q, changes) => saveToken(q, c, secrets, changes));
    },
    async saveRecord(record: TokenRecord) {
      const c = toTokenColumns(record);
      await scope.write({}, (q) => saveTokenRecord(q, c));
    },
  });

  /** Outside a lock: each write is a transaction of its own, announced locally once committed. */
  const poolScope: TokenScope = {
    read: (text, params) => query({}, text, params),
    async write(meaning, work) {
      const changes: TokenChange[] = [];
      const result = await transaction(meaning, (q) => work(q, changes));
      listeners.emit(changes);
      return result;
    },
  };

  /**
   * Inside a lock: statements on the lock's client, in its transaction. Each write runs under a
   * savepoint, so a failed write (STALE_KEY_VERSION, say) is undone on its own and leaves the
   * transaction usable for what `work` does next, as a failed write outside a lock would. Writes
   * run one at a time even if `work` starts several together, so savepoints never interleave.
   */
  const lockScope = (client: pg.PoolClient, isOpen: () => boolean, pending: TokenChange[]): TokenScope => {
    const q: Query = async (text, params) => {
      if (!isOpen()) throw accessAfterReleaseError();
      return client.query(text, params);
    };
    const oneWriteAtATime = new Semaphore(1);
    return {
      async read(text, params) {
        try {
          return await q(text, params);
        } catch (error) {
          throw mapped(error, {});
        }
      },
      async write(meaning, work) {
        const release = await oneWriteAtATime.acquire();
        try {
          await q('SAVEPOINT token_write');
          const changes: TokenChange[] = [];
          try {
            const result = await work(q, changes);
            await q('RELEASE SAVEPOINT token_write');
            pending.push(...changes);
            return result;
          } catch (error) {
            // If even this fails, the connection is gone or the transaction aborted: COMMIT says so.
            await client.query('ROLLBACK TO SAVEPOINT token_write').catch(() => undefined);
            throw error;
          }
        } catch (error) {
          throw mapped(error, meaning);
        } finally {
          release();
        }
      },
    };
  };

  /**
   * The lock's transaction on one pooled connection: BEGIN, the advisory lock (waiting for it, or
   * trying it once), `work`, COMMIT. The lock is PostgreSQL's, so it holds across replicas, and it
   * ends with the transaction, so a replica that dies cannot leave it taken.
   */
  const lockedTransaction = async <T>(key: string, wait: boolean, work: (access: TokenAccess) => Promise<T>): Promise<LockResult<T>> => {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw mapped(error, {});
    }
    // Statements of this function, as opposed to `work`'s own failures, which pass through as thrown.
    const step = async (text: string, params?: unknown[]): Promise<pg.QueryResult> => {
      try {
        return await client.query(text, params);
      } catch (error) {
        throw mapped(error, {});
      }
    };
    let broken: Error | undefined;
    let open = true;
    const pending: TokenChange[] = [];
    try {
      await step('BEGIN');
      if (wait) {
        await step('SELECT pg_advisory_xact_lock($1::bigint)', [key]);
      } else {
        const { rows } = await step('SELECT pg_try_advisory_xact_lock($1::bigint) AS acquired', [key]);
        if (!lockAcquiredFromRow(rows[0])) {
          await step('ROLLBACK');
          return { acquired: false };
        }
      }
      let value: T;
      try {
        value = await work(tokenAccess(lockScope(client, () => open, pending)));
      } finally {
        open = false;
      }
      // COMMIT of a transaction that a failed statement aborted ends it with ROLLBACK instead, and
      // says so only in the command tag.
      const commit = await step('COMMIT');
      if (commit.command !== 'COMMIT') throw lockedWorkRolledBackError();
      listeners.emit(pending);
      return { acquired: true, value };
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        // A connection that cannot roll back is not returned to the pool.
        broken = rollbackError instanceof Error ? rollbackError : new Error('ROLLBACK failed');
      }
      throw error;
    } finally {
      client.release(broken);
    }
  };

  return {
    dialect: 'postgres',

    links: {
      async create(record: LinkRecord, secrets?: SecretChanges) {
        const c = toLinkColumns(record);
        await transaction({ unique: LINK_EXISTS_MESSAGE, secretKeyVersion: true }, async (q) => {
          await q('INSERT INTO links (id, created_at, updated_at, version, document) VALUES ($1, $2, $3, $4, $5::jsonb)', [
            c.id,
            c.createdAt,
            c.updatedAt,
            c.version,
            c.document,
          ]);
          await applySecretChanges(q, c.id, secrets);
        });
      },

      async get(id: string) {
        const { rows } = await query({}, `SELECT ${LINK_COLUMNS} FROM links WHERE id = $1`, [id]);
        return rows[0] === undefined ? undefined : linkFromRow(rows[0]);
      },

      async list({ limit, cursor }) {
        checkLimit(limit);
        const after = cursor === undefined ? undefined : decodeCursor(cursor);
        const { rows } =
          after === undefined
            ? await query({}, `SELECT ${LINK_COLUMNS} FROM links ORDER BY created_at, id LIMIT $1`, [limit + 1])
            : await query(
                {},
                `SELECT ${LINK_COLUMNS} FROM links WHERE (created_at, id) > ($1, $2) ORDER BY created_at, id LIMIT $3`,
                [after.createdAt, after.id, limit + 1],
              );
        return toPage(rows.map(linkFromRow), limit);
      },

      async count() {
        const { rows } = await query({}, 'SELECT count(*)::int AS count FROM links');
        return countFromRow(rows[0]);
      },

      async exist(ids: readonly string[]) {
        if (ids.length === 0) return new Set<string>();
        const { rows } = await query({}, 'SELECT id FROM links WHERE id = ANY($1::text[])', [[...ids]]);
        return new Set(rows.map(linkIdFromRow));
      },

      async update(record: LinkRecord, expectedVersion: number, secrets?: SecretChanges) {
        checkNextVersion(record, expectedVersion);
        const c = toLinkColumns(record);
        await transaction(SECRET_WRITE, async (q) => {
          const result = await q(
            `UPDATE links SET created_at = $1, updated_at = $2, version = $3, document = $4::jsonb
             WHERE id = $5 AND version = $6`,
            [c.createdAt, c.updatedAt, c.version, c.document, c.id, expectedVersion],
          );
          if (result.rowCount === 0) {
            const exists = await q('SELECT 1 FROM links WHERE id = $1', [c.id]);
            throw exists.rowCount === 0 ? linkNotFoundError() : conflictError();
          }
          await applySecretChanges(q, c.id, secrets);
        });
      },

      async setStatus(id: string, status: string, reason: string | null, updatedAt: string) {
        return transaction({}, async (q) => {
          // NO KEY UPDATE: a token save in flight holds KEY SHARE on this row, and must not be waited for.
          const { rows } = await q(`SELECT ${LINK_COLUMNS} FROM links WHERE id = $1 FOR NO KEY UPDATE`, [id]);
          if (rows[0] === undefined) return false;
          const current = linkFromRow(rows[0]);
          if (current.status === status && current.statusReason === reason) return false;
          const c = toLinkColumns({ ...current, status, statusReason: reason, updatedAt, version: current.version + 1 });
          await q('UPDATE links SET updated_at = $1, version = $2, document = $3::jsonb WHERE id = $4', [c.updatedAt, c.version, c.document, id]);
          return true;
        });
      },

      async delete(id: string) {
        const changes: TokenChange[] = [];
        const deleted = await transaction({}, async (q) => {
          // The link's row first: a token save or authorization request that has not committed yet
          // holds KEY SHARE on it (`requireLink`), so this waits for it and the reads below see its
          // rows; one that comes later finds no link and fails with NOT_FOUND.
          await q('SELECT 1 FROM links WHERE id = $1 FOR UPDATE', [id]);
          const subjects = (await q('SELECT subject FROM tokens WHERE link_id = $1', [id])).rows.map(subjectFromRow);
          const stateIds = (await q('SELECT id FROM auth_states WHERE link_id = $1', [id])).rows.map(idFromRow);
          // Secrets first: they are owned by the link, its credentials and its requests, and nothing may outlive it.
          const owners = [id, ...subjects.map((subject) => tokenOwnerId(id, subject)), ...stateIds.map(authStateOwnerId)];
          await q('DELETE FROM secrets WHERE owner_id = ANY($1::text[])', [owners]);
          await q('DELETE FROM auth_states WHERE link_id = $1', [id]);
          await q('DELETE FROM tokens WHERE link_id = $1', [id]);
          for (const subject of subjects) {
            const change = { linkId: id, subject };
            await notifyChange(q, change);
            changes.push(change);
          }
          const result = await q('DELETE FROM links WHERE id = $1', [id]);
          return (result.rowCount ?? 0) > 0;
        });
        listeners.emit(changes);
        return deleted;
      },
    },

    secrets: {
      async get(ownerId: string, field: string) {
        const { rows } = await query({}, 'SELECT key_version, ciphertext FROM secrets WHERE owner_id = $1 AND field = $2', [ownerId, field]);
        return rows[0] === undefined ? undefined : sealedFromRow(rows[0]);
      },

      async put(ownerId: string, field: string, sealed: SealedSecret) {
        await putSecret((text, params) => query(SECRET_WRITE, text, params), ownerId, field, sealed);
      },

      async delete(ownerId: string, field: string) {
        const result = await query({}, 'DELETE FROM secrets WHERE owner_id = $1 AND field = $2', [ownerId, field]);
        return (result.rowCount ?? 0) > 0;
      },

      async listBelowKeyVersion(version: number, limit: number) {
        checkLimit(limit);
        const { rows } = await query(
          {},
          `SELECT owner_id, field, key_version, ciphertext FROM secrets
           WHERE key_version < $1 ORDER BY owner_id, field LIMIT $2`,
          [version, limit],
        );
        return rows.map(secretFromRow);
      },

      async compareAndSwap(ownerId: string, field: string, expected: string, next: SealedSecret) {
        checkKeyVersion(next.keyVersion);
        const result = await query(
          SECRET_WRITE,
          `UPDATE secrets SET key_version = $1, ciphertext = $2, updated_at = $3
           WHERE owner_id = $4 AND field = $5 AND ciphertext = $6`,
          [next.keyVersion, next.ciphertext, now(), ownerId, field, expected],
        );
        return (result.rowCount ?? 0) > 0;
      },

      async countByKeyVersion() {
        const { rows } = await query({}, 'SELECT key_version, count(*)::int AS count FROM secrets GROUP BY key_version ORDER BY key_version');
        return new Map(rows.map(keyVersionCountFromRow));
      },
    },

    vaultKeys: {
      async list() {
        const { rows } = await query({}, 'SELECT version, master_key_id, wrapped_key, created_at FROM vault_keys ORDER BY version');
        return rows.map(vaultKeyFromRow);
      },

      async insert(row: VaultKeyRow) {
        checkVaultKeyRow(row);
        await query({ unique: KEY_VERSION_EXISTS_MESSAGE }, 'INSERT INTO vault_keys (version, master_key_id, wrapped_key, created_at) VALUES ($1, $2, $3, $4)', [
          row.version,
          row.masterKeyId,
          row.wrappedKey,
          row.createdAt,
        ]);
      },

      async replaceAll(rows: VaultKeyRow[]) {
        rows.forEach(checkVaultKeyRow);
        checkDistinctVersions(rows.map((row) => row.version));
        await transaction({}, async (q) => {
          // Keeps other writers of vault_keys out until commit, so the count below stays true; secret
          // writes only take ROW SHARE here (their foreign-key check) and go on.
          await q('LOCK TABLE vault_keys IN SHARE ROW EXCLUSIVE MODE');
          for (const row of rows) {
            const result = await q('UPDATE vault_keys SET master_key_id = $1, wrapped_key = $2, created_at = $3 WHERE version = $4', [
              row.masterKeyId,
              row.wrappedKey,
              row.createdAt,
              row.version,
            ]);
            if (result.rowCount === 0) throw keySetChangedError();
          }
          // A key added since the caller listed them would stay wrapped by the old master key.
          const total = await q('SELECT count(*)::int AS count FROM vault_keys');
          if (countFromRow(total.rows[0]) !== rows.length) throw keySetChangedError();
        });
      },

      async deleteUnreferencedBelow(version: number) {
        const { rows } = await query(
          {},
          `SELECT version FROM vault_keys v
           WHERE version < $1 AND NOT EXISTS (SELECT 1 FROM secrets s WHERE s.key_version = v.version)
           ORDER BY version`,
          [version],
        );
        const removed: number[] = [];
        for (const candidate of rows.map(versionFromRow)) {
          // One key per statement: a replica may seal a secret under this key between our check and
          // the delete. The foreign key then rejects the delete, and that key simply stays.
          try {
            const result = await pool.query(
              `DELETE FROM vault_keys v
               WHERE version = $1 AND NOT EXISTS (SELECT 1 FROM secrets s WHERE s.key_version = v.version)`,
              [candidate],
            );
            if ((result.rowCount ?? 0) > 0) removed.push(candidate);
          } catch (error) {
            if (classify(error) !== 'foreign_key') throw mapped(error, {});
          }
        }
        return removed;
      },
    },

    settings: {
      async get<T = unknown>(key: string): Promise<T | undefined> {
        const { rows } = await query({}, 'SELECT value::text AS value FROM settings WHERE key = $1', [key]);
        // The caller owns the shape of its setting and parses it; here it is only JSON.
        return rows[0] === undefined ? undefined : (settingFromRow(rows[0]) as T);
      },

      async set(key: string, value: unknown) {
        const json = settingToJson(value);
        await query({}, 'INSERT INTO settings (key, value) VALUES ($1, $2::jsonb) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, json]);
      },

      async delete(key: string) {
        const result = await query({}, 'DELETE FROM settings WHERE key = $1', [key]);
        return (result.rowCount ?? 0) > 0;
      },
    },

    tokens: {
      ...tokenAccess(poolScope),

      async withLock<T>(linkId: string, subject: string, { wait }: { wait: boolean }, work: (access: TokenAccess) => Promise<T>) {
        if (closing) throw closedStoreError();
        const key = advisoryLockKey(linkId, subject);
        // This process's callers queue here first (see locks.ts), so each credential holds at most
        // one pooled connection per replica; a caller that will not wait leaves at once.
        const releaseLocal = wait ? await localLocks.acquire(key) : localLocks.tryAcquire(key);
        if (releaseLocal === undefined) return { acquired: false };
        try {
          const releaseSlot = await lockSlots.acquire();
          try {
            return await lockedTransaction(key, wait, work);
          } finally {
            releaseSlot();
          }
        } finally {
          releaseLocal();
        }
      },

      async listDue(before: string, now: string, limit: number) {
        checkTimestamp(before, 'before');
        checkTimestamp(now, 'now');
        checkLimit(limit);
        const { rows } = await query(
          {},
          `SELECT ${TOKEN_COLUMNS} FROM tokens t
           WHERE t.state = 'valid' AND t.refresh_at <= $1 AND (t.next_attempt_at IS NULL OR t.next_attempt_at <= $2)
           ORDER BY t.expires_at, t.link_id, t.subject LIMIT $3`,
          [before, now, limit],
        );
        return rows.map(tokenFromRow);
      },

      async listForLink(linkId: string) {
        const { rows } = await query({}, `SELECT ${TOKEN_COLUMNS} FROM tokens t WHERE t.link_id = $1 ORDER BY t.subject`, [linkId]);
        return rows.map(tokenFromRow);
      },

      async tally(linkIds: readonly string[]) {
        if (linkIds.length === 0) return new Map();
        const ids = [...linkIds];
        const [own, users] = await Promise.all([
          query({}, `SELECT ${TOKEN_COLUMNS} FROM tokens t WHERE t.subject = '' AND t.link_id = ANY($1::text[])`, [ids]),
          query(
            {},
            `SELECT t.link_id, COUNT(*)::int AS users,
                    COUNT(*) FILTER (WHERE t.state = 'needs-reauthorization')::int AS reauth,
                    MIN(t.expires_at) FILTER (WHERE t.state = 'valid') AS soonest
             FROM tokens t WHERE t.subject <> '' AND t.link_id = ANY($1::text[]) GROUP BY t.link_id`,
            [ids],
          ),
        ]);
        return talliesFromRows(own.rows, users.rows);
      },

      async delete(linkId: string, subject: string) {
        return poolScope.write({}, async (q, changes) => {
          await q('DELETE FROM secrets WHERE owner_id = $1', [tokenOwnerId(linkId, subject)]);
          const result = await q('DELETE FROM tokens WHERE link_id = $1 AND subject = $2', [linkId, subject]);
          if ((result.rowCount ?? 0) === 0) return false;
          const change = { linkId, subject };
          await notifyChange(q, change);
          changes.push(change);
          return true;
        });
      },

      async countByState() {
        const { rows } = await query({}, 'SELECT state, count(*)::int AS count FROM tokens GROUP BY state');
        return { valid: 0, 'needs-reauthorization': 0, ...Object.fromEntries(rows.map(tokenStateCountFromRow)) };
      },

      onChange(listener: (linkId: string, subject: string) => void) {
        if (closing) throw closedStoreError();
        const unsubscribe = listeners.add(listener);
        feed.start();
        return unsubscribe;
      },
    },

    authStates: {
      async create(record: AuthStateRecord, codeVerifier: SealedSecret) {
        const r = checkAuthStateRecord(record);
        checkKeyVersion(codeVerifier.keyVersion);
        await transaction({ unique: AUTH_STATE_EXISTS_MESSAGE, secretKeyVersion: true }, async (q) => {
          await requireLink(q, r.linkId);
          await q(`INSERT INTO auth_states (${AUTH_STATE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)`, [
            r.id,
            r.linkId,
            r.subject,
            r.createdAt,
            r.expiresAt,
            r.usedAt,
          ]);
          await putSecret(q, authStateOwnerId(r.id), CODE_VERIFIER_FIELD, codeVerifier);
        });
      },

      async consume(id: string, now: string): Promise<ConsumeResult> {
        checkTimestamp(now, 'now');
        return transaction({}, async (q) => {
          // The conditional UPDATE is the whole of the atomicity: a concurrent consumer waits for
          // this row's lock, then re-checks `used_at IS NULL` against the committed row and matches
          // nothing, in this replica or any other.
          const used = await q(
            `UPDATE auth_states SET used_at = $2 WHERE id = $1 AND used_at IS NULL AND expires_at > $2 RETURNING ${AUTH_STATE_COLUMNS}`,
            [id, now],
          );
          if (used.rows[0] !== undefined) {
            const record = authStateFromRow(used.rows[0]);
            const verifier = await q('DELETE FROM secrets WHERE owner_id = $1 AND field = $2 RETURNING key_version, ciphertext', [
              authStateOwnerId(id),
              CODE_VERIFIER_FIELD,
            ]);
            if (verifier.rows[0] === undefined) throw missingVerifierError();
            return { outcome: 'consumed', record, codeVerifier: sealedFromRow(verifier.rows[0]) };
          }
          const { rows } = await q(`SELECT ${AUTH_STATE_COLUMNS} FROM auth_states WHERE id = $1`, [id]);
          return notConsumed(rows[0] === undefined ? undefined : authStateFromRow(rows[0]), now);
        });
      },

      async purge(before: string) {
        checkTimestamp(before, 'before');
        return transaction({}, async (q) => {
          const ids = (await q('DELETE FROM auth_states WHERE created_at < $1 RETURNING id', [before])).rows.map(idFromRow);
          if (ids.length > 0) await q('DELETE FROM secrets WHERE owner_id = ANY($1::text[])', [ids.map(authStateOwnerId)]);
          return ids.length;
        });
      },
    },

    consumers: {
      async create(record: ConsumerRecord) {
        const c = toConsumerColumns(record);
        await query({ unique: CONSUMER_EXISTS_MESSAGE }, 'INSERT INTO consumers (id, name, key_hash, link_ids, created_at) VALUES ($1, $2, $3, $4::jsonb, $5)', [
          c.id,
          c.name,
          c.keyHash,
          c.linkIds,
          c.createdAt,
        ]);
      },

      async get(id: string) {
        const { rows } = await query({}, `SELECT ${CONSUMER_COLUMNS} FROM consumers WHERE id = $1`, [id]);
        return rows[0] === undefined ? undefined : consumerFromRow(rows[0]);
      },

      async list() {
        const { rows } = await query({}, `SELECT ${CONSUMER_COLUMNS} FROM consumers ORDER BY created_at, id`);
        return rows.map(consumerFromRow);
      },

      async delete(id: string) {
        const result = await query({}, 'DELETE FROM consumers WHERE id = $1', [id]);
        return (result.rowCount ?? 0) > 0;
      },
    },

    async migrate() {
      await transaction({}, async (q) => {
        // First statement of the transaction, before anything reads the schema: replicas starting
        // together queue here, and the later ones find every migration already recorded. The lock
        // ends with the transaction, so a crashed replica cannot leave it held.
        await q('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
        await q('CREATE TABLE IF NOT EXISTS schema_migrations (id text COLLATE "C" NOT NULL PRIMARY KEY, applied_at text NOT NULL)');
        const { rows } = await q('SELECT id FROM schema_migrations');
        const applied = new Set(rows.map((row: { id: string }) => row.id));
        for (const migration of pendingMigrations(POSTGRES_MIGRATIONS, applied)) {
          await q(migration.sql);
          await q('INSERT INTO schema_migrations (id, applied_at) VALUES ($1, $2)', [migration.id, now()]);
        }
      });
    },

    async ping() {
      await query({}, 'SELECT 1');
    },

    async close() {
      closing ??= feed.close().then(() => pool.end());
      await closing;
    },
  };
}

/**
 * The advisory-lock key of one credential: the first 8 bytes of a SHA-256, as the signed bigint
 * PostgreSQL takes. The NUL separator cannot occur in PostgreSQL text, so no two (link, subject)
 * pairs share an input; two sharing a key by chance would only share a lock.
 */
export function advisoryLockKey(linkId: string, subject: string): string {
  return createHash('sha256').update(`${linkId}\0${subject}`, 'utf8').digest().readBigInt64BE(0).toString();
}

const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

function classify(error: unknown): DriverFailure {
  // Duck-typed, not `instanceof Error`: socket errors come from Node's core, which under a test
  // sandbox (jest) is another realm with another Error.
  if (typeof error !== 'object' || error === null) return 'other';
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  const message = 'message' in error && typeof error.message === 'string' ? error.message : '';
  if (code === '23505') return 'unique';
  // 23503 on inserting a secret under a missing key; 23001 (restrict_violation) on deleting a key
  // that a secret uses, since the constraint is ON DELETE RESTRICT rather than NO ACTION.
  if (code === '23503' || code === '23001') return 'foreign_key';
  if (code !== undefined) {
    // 08: connection exception; 57P01-03: server shutting down or starting; 53300: too many connections.
    if (code.startsWith('08') || /^57P0[123]$/.test(code) || code === '53300' || UNAVAILABLE_NODE_CODES.has(code)) return 'unavailable';
  }
  // pg reports a lost connection or a pool wait that timed out without a code.
  if (/Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(message)) {
    return 'unavailable';
  }
  return 'other';
}
