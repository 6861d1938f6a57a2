/** Credentials' tokens on PostgreSQL: the token store, its lock and the change feed put together. */
import type { ChangeListeners } from '../changes';
import { closedStoreError } from '../errors';
import { KeyedMutex, Semaphore } from '../locks';
import { checkLimit, checkTimestamp, talliesFromRows, tokenFromRow, tokenStateCountFromRow } from '../records';
import { tokenOwnerId, type TokenAccess, type TokenStore } from '../store';
import type { ChangeFeed } from './change-feed';
import type { PostgresConnection } from './connection';
import { notifyChange, poolScope, TOKEN_COLUMNS, tokenAccess } from './token-access';
import { advisoryLockKey, lockedTransaction } from './token-lock';

export function postgresTokens(
  c: PostgresConnection,
  options: { listeners: ChangeListeners; feed: ChangeFeed; origin: string; lockConnections: number },
): TokenStore {
  const { listeners, feed, origin } = options;
  const { query } = c;
  const pooled = poolScope(c, listeners);
  const localLocks = new KeyedMutex();
  const lockSlots = new Semaphore(options.lockConnections);

  return {
    ...tokenAccess(c, origin, pooled),

    async withLock<T>(linkId: string, subject: string, { wait }: { wait: boolean }, work: (access: TokenAccess) => Promise<T>) {
      if (c.closing) throw closedStoreError();
      const key = advisoryLockKey(linkId, subject);
      // This process's callers queue here first (see locks.ts), so each credential holds at most
      // one pooled connection per replica; a caller that will not wait leaves at once.
      const releaseLocal = wait ? await localLocks.acquire(key) : localLocks.tryAcquire(key);
      if (releaseLocal === undefined) return { acquired: false };
      try {
        const releaseSlot = await lockSlots.acquire();
        try {
          return await lockedTransaction(c, listeners, origin, key, wait, work);
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
      return pooled.write({}, async (q, changes) => {
        await q('DELETE FROM secrets WHERE owner_id = $1', [tokenOwnerId(linkId, subject)]);
        const result = await q('DELETE FROM tokens WHERE link_id = $1 AND subject = $2', [linkId, subject]);
        if ((result.rowCount ?? 0) === 0) return false;
        const change = { linkId, subject };
        await notifyChange(q, origin, change);
        changes.push(change);
        return true;
      });
    },

    async countByState() {
      const { rows } = await query({}, 'SELECT state, count(*)::int AS count FROM tokens GROUP BY state');
      return { valid: 0, 'needs-reauthorization': 0, ...Object.fromEntries(rows.map(tokenStateCountFromRow)) };
    },

    onChange(listener: (linkId: string, subject: string) => void) {
      if (c.closing) throw closedStoreError();
      const unsubscribe = listeners.add(listener);
      feed.start();
      return unsubscribe;
    },
  };
}
