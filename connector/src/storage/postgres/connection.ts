/**
 * The PostgreSQL pool and what every sub-store does with it: queries and transactions with their
 * failures mapped, and the secret writes that go inside other entities' transactions.
 *
 * Concurrency rests on the database, never on this process: updates name the version they read in
 * their WHERE clause (under READ COMMITTED a concurrent update makes the second one match no row),
 * secrets carry a foreign key to their data key, and migrations run under a transaction-scoped
 * advisory lock so replicas starting together apply them once.
 */
import pg from 'pg';
import type { BackgroundErrorHandler } from '../changes';
import { closedStoreError, linkNotFoundError, toStoreError, type DriverFailure, type ErrorMeaning } from '../errors';
import { checkKeyVersion } from '../records';
import type { SealedSecret, SecretChanges } from '../store';

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

export type Query = (text: string, params?: unknown[]) => Promise<pg.QueryResult>;

export const SECRET_WRITE: ErrorMeaning = { secretKeyVersion: true };
const UNAVAILABLE_MESSAGE = 'PostgreSQL did not answer; check DATABASE_URL and that the server is up and accepts connections.';

/** One pool as the sub-stores use it. */
export interface PostgresConnection {
  readonly pool: pg.Pool;
  /** The current time as stored (`Date#toISOString()`). */
  now(): string;
  /** A driver failure as the `StoreError` it means. */
  mapped(error: unknown, meaning: ErrorMeaning): unknown;
  classify(error: unknown): DriverFailure;
  /** One statement on any pooled connection. */
  query(meaning: ErrorMeaning, text: string, params?: unknown[]): Promise<pg.QueryResult>;
  /** `work` between BEGIN and COMMIT on one pooled connection; rolled back when it throws. */
  transaction<T>(meaning: ErrorMeaning, work: (q: Query) => Promise<T>): Promise<T>;
  /** Inserts or replaces one secret (inside `q`'s transaction). */
  putSecret(q: Query, ownerId: string, field: string, sealed: SealedSecret): Promise<void>;
  /** Deletes first, then puts: a field named in both ends up holding the new value. */
  applySecretChanges(q: Query, ownerId: string, changes: SecretChanges | undefined): Promise<void>;
  /**
   * Inside a transaction: fails with NOT_FOUND unless the link exists, and keeps it from being
   * deleted until the transaction ends (so `links.delete` finds what this transaction writes).
   * KEY SHARE, the lock a foreign-key check takes, because it does not conflict with an update of
   * the link: work under `withLock` updates the link's status through the pool meanwhile.
   */
  requireLink(q: Query, linkId: string): Promise<void>;
  readonly closing: boolean;
  close(before: () => Promise<void>): Promise<void>;
}

export function openPostgres(options: PostgresStoreOptions): PostgresConnection {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
  });
  return connectionOn(pool, options);
}

function connectionOn(pool: pg.Pool, options: PostgresStoreOptions): PostgresConnection {
  // An idle connection that the server drops is reported here; the next query that needs a
  // connection reports the outage as UNAVAILABLE. Without a listener pg would crash the process.
  pool.on('error', () => undefined);
  const clock = options.now ?? (() => new Date());
  let closing: Promise<void> | undefined;
  const mapped = (error: unknown, meaning: ErrorMeaning): unknown => toStoreError(error, classify(error), meaning, UNAVAILABLE_MESSAGE);

  const connection: PostgresConnection = {
    pool,
    now: () => clock().toISOString(),
    mapped,
    classify,
    async query(meaning, text, params) {
      if (closing) throw closedStoreError();
      try {
        return await pool.query(text, params);
      } catch (error) {
        throw mapped(error, meaning);
      }
    },
    async transaction(meaning, work) {
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
    },
    async putSecret(q, ownerId, field, sealed) {
      checkKeyVersion(sealed.keyVersion);
      await q(
        `INSERT INTO secrets (owner_id, field, key_version, ciphertext, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (owner_id, field) DO UPDATE SET
           key_version = excluded.key_version, ciphertext = excluded.ciphertext, updated_at = excluded.updated_at`,
        [ownerId, field, sealed.keyVersion, sealed.ciphertext, connection.now()],
      );
    },
    async applySecretChanges(q, ownerId, changes) {
      for (const field of changes?.delete ?? []) await q('DELETE FROM secrets WHERE owner_id = $1 AND field = $2', [ownerId, field]);
      for (const { field, sealed } of changes?.put ?? []) await connection.putSecret(q, ownerId, field, sealed);
    },
    async requireLink(q, linkId) {
      const { rowCount } = await q('SELECT 1 FROM links WHERE id = $1 FOR KEY SHARE', [linkId]);
      if (rowCount === 0) throw linkNotFoundError();
    },
    get closing() {
      return closing !== undefined;
    },
    async close(before) {
      closing ??= before().then(() => pool.end());
      await closing;
    },
  };
  return connection;
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
