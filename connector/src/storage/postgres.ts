/**
 * The PostgreSQL adapter (pg.Pool), for several connector replicas sharing one database.
 *
 * Concurrency rests on the database, never on this process: updates name the version they read in
 * their WHERE clause (under READ COMMITTED a concurrent update makes the second one match no row),
 * secrets carry a foreign key to their data key, and migrations run under a transaction-scoped
 * advisory lock so replicas starting together apply them once.
 */
import pg from 'pg';
import {
  checkDistinctVersions,
  closedStoreError,
  conflictError,
  KEY_VERSION_EXISTS_MESSAGE,
  keySetChangedError,
  LINK_EXISTS_MESSAGE,
  linkNotFoundError,
  toStoreError,
  type DriverFailure,
  type ErrorMeaning,
} from './errors';
import { pendingMigrations, POSTGRES_MIGRATIONS } from './migrations';
import {
  checkKeyVersion,
  checkLimit,
  checkNextVersion,
  checkVaultKeyRow,
  countFromRow,
  decodeCursor,
  keyVersionCountFromRow,
  linkFromRow,
  sealedFromRow,
  secretFromRow,
  settingFromRow,
  settingToJson,
  toLinkColumns,
  toPage,
  vaultKeyFromRow,
  versionFromRow,
} from './records';
import type { LinkRecord, SealedSecret, SecretChanges, Store, VaultKeyRow } from './store';

export interface PostgresStoreOptions {
  connectionString: string;
  /** Connections per replica; the default suits a handful of replicas on a default server. */
  poolSize?: number;
  /** How long to wait for a connection before failing with UNAVAILABLE. */
  connectTimeoutMs?: number;
  /** The clock for `updated_at` of secrets. */
  now?: () => Date;
}

type Query = (text: string, params?: unknown[]) => Promise<pg.QueryResult>;

const UNAVAILABLE_MESSAGE = 'PostgreSQL did not answer; check DATABASE_URL and that the server is up and accepts connections.';
const SECRET_WRITE: ErrorMeaning = { secretKeyVersion: true };

/** Any constant works as long as nothing else in the database uses it; this one spells "applinks". */
const MIGRATION_LOCK_KEY = '7021793235870788467';

const LINK_COLUMNS = 'id, created_at, updated_at, version, document::text AS document';

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

      async delete(id: string) {
        return transaction({}, async (q) => {
          // Secrets first: they are owned by the link, and nothing may outlive it.
          await q('DELETE FROM secrets WHERE owner_id = $1', [id]);
          const result = await q('DELETE FROM links WHERE id = $1', [id]);
          return (result.rowCount ?? 0) > 0;
        });
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
      closing ??= pool.end();
      await closing;
    },
  };
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
