/**
 * One server per SQLite data directory (the lock itself; `test/connector/cli.test.ts` runs it
 * with real `serve` processes, a rolling restart and a kill -9).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import {
  acquireServerLock,
  createSqliteStore,
  ServerLockError,
  type ServerLockHolder,
} from '../../../connector/src/storage';
import { SERVER_HOLDER_FILE } from '../../../connector/src/storage/sqlite/server-lock';

describe('the SQLite server lock', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'applinks-serve-lock-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const since = new Date('2026-01-02T03:04:05.000Z');

  it('a second holder is refused at once with wait 0, the message naming the first (pid, host, since)', async () => {
    const first = await acquireServerLock({ dataDir, waitMs: 0, now: () => since });
    try {
      const error = await acquireServerLock({ dataDir, waitMs: 0 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ServerLockError);
      const lockError = error as ServerLockError;
      expect(lockError.code).toBe('DATA_DIR_IN_USE');
      expect(lockError.holder).toEqual({ pid: process.pid, host: hostname(), since: since.toISOString() });
      expect(lockError.message).toContain(`pid ${process.pid} on ${hostname()}, since 2026-01-02T03:04:05.000Z`);
      expect(lockError.message).toContain('DATABASE_URL');
    } finally {
      first.release();
    }
  });

  /** A clock that moves only when the lock's wait sleeps, so waits are counted, not timed. */
  function virtualTime(onSleep?: (t: number) => void): { clock: () => number; sleep: (ms: number) => Promise<void>; sleeps: number[] } {
    let t = 0;
    const sleeps: number[] = [];
    return {
      clock: () => t,
      sleeps,
      sleep: async (ms) => {
        sleeps.push(ms);
        t += ms;
        onSleep?.(t);
      },
    };
  }

  it('a waiting holder says so once, and gets the lock when the first releases it', async () => {
    const first = await acquireServerLock({ dataDir, waitMs: 0, now: () => since });
    const waits: (ServerLockHolder | undefined)[] = [];
    // The first server stops 300 ms into the wait.
    const time = virtualTime((t) => t >= 300 && first.release());
    const second = await acquireServerLock({ dataDir, waitMs: 5_000, pollMs: 20, onWait: (holder) => waits.push(holder), ...time });
    try {
      expect(waits).toEqual([{ pid: process.pid, host: hostname(), since: since.toISOString() }]);
      expect(time.clock()).toBe(300);
      expect(time.sleeps.every((ms) => ms === 20)).toBe(true);
      // The record now names the new holder.
      expect(JSON.parse(readFileSync(path.join(dataDir, SERVER_HOLDER_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
    } finally {
      second.release();
    }
  });

  it('the wait is bounded: a holder that does not stop is refused after waitMs', async () => {
    const first = await acquireServerLock({ dataDir, waitMs: 0 });
    try {
      const time = virtualTime();
      await expect(acquireServerLock({ dataDir, waitMs: 400, pollMs: 50, ...time })).rejects.toBeInstanceOf(ServerLockError);
      // Polled every 50 ms until the 400 ms were spent, then refused: no sooner, no later.
      expect(time.sleeps).toEqual(Array.from({ length: 8 }, () => 50));
      expect(time.clock()).toBe(400);
    } finally {
      first.release();
    }
  });

  it('release removes the holder record and is harmless twice; a stale record does not block the next holder', async () => {
    const first = await acquireServerLock({ dataDir, waitMs: 0 });
    first.release();
    first.release();
    expect(existsSync(path.join(dataDir, SERVER_HOLDER_FILE))).toBe(false);
    // A record left by a holder that died (the lock went with it) is only a record.
    const stale = await acquireServerLock({ dataDir, waitMs: 0, now: () => since });
    stale.release();
    const next = await acquireServerLock({ dataDir, waitMs: 0 });
    next.release();
  });

  it('does not keep a store (the CLI) from opening, reading and writing the same folder', async () => {
    const lock = await acquireServerLock({ dataDir, waitMs: 0 });
    const store = createSqliteStore({ file: path.join(dataDir, 'connector.db') });
    try {
      await store.migrate();
      await store.settings.set('k', { v: 1 });
      expect(await store.settings.get('k')).toEqual({ v: 1 });
    } finally {
      await store.close();
      lock.release();
    }
  });
});
