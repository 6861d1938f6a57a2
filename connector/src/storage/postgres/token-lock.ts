/**
 * A credential's lock on PostgreSQL: a transaction-scoped advisory lock, so it holds across
 * replicas and ends with the transaction (a replica that dies cannot leave it taken); the work
 * done under it runs in that transaction.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { ChangeListeners, TokenChange } from '../changes';
import { accessAfterReleaseError, lockedWorkRolledBackError } from '../errors';
import { Semaphore } from '../locks';
import { lockAcquiredFromRow } from '../records';
import type { LockResult, TokenAccess } from '../store';
import type { PostgresConnection, Query } from './connection';
import { tokenAccess, type TokenScope } from './token-access';

/**
 * The advisory-lock key of one credential: the first 8 bytes of a SHA-256, as the signed bigint
 * PostgreSQL takes. The NUL separator cannot occur in PostgreSQL text, so no two (link, subject)
 * pairs share an input; two sharing a key by chance would only share a lock.
 */
export function advisoryLockKey(linkId: string, subject: string): string {
  return createHash('sha256').update(`${linkId}\0${subject}`, 'utf8').digest().readBigInt64BE(0).toString();
}

/**
 * Inside a lock: statements on the lock's client, in its transaction. Each write runs under a
 * savepoint, so a failed write (STALE_KEY_VERSION, say) is undone on its own and leaves the
 * transaction usable for what `work` does next, as a failed write outside a lock would. Writes
 * run one at a time even if `work` starts several together, so savepoints never interleave.
 */
function lockScope(c: PostgresConnection, client: pg.PoolClient, isOpen: () => boolean, pending: TokenChange[]): TokenScope {
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
        throw c.mapped(error, {});
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
        throw c.mapped(error, meaning);
      } finally {
        release();
      }
    },
  };
}

/**
 * The lock's transaction on one pooled connection: BEGIN, the advisory lock (waiting for it, or
 * trying it once), `work`, COMMIT.
 */
export async function lockedTransaction<T>(
  c: PostgresConnection,
  listeners: ChangeListeners,
  origin: string,
  key: string,
  wait: boolean,
  work: (access: TokenAccess) => Promise<T>,
): Promise<LockResult<T>> {
  let client: pg.PoolClient;
  try {
    client = await c.pool.connect();
  } catch (error) {
    throw c.mapped(error, {});
  }
  // Statements of this function, as opposed to `work`'s own failures, which pass through as thrown.
  const step = async (text: string, params?: unknown[]): Promise<pg.QueryResult> => {
    try {
      return await client.query(text, params);
    } catch (error) {
      throw c.mapped(error, {});
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
      value = await work(tokenAccess(c, origin, lockScope(c, client, () => open, pending)));
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
}
