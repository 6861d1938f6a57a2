/**
 * One `serve` process per SQLite data directory.
 *
 * The SQLite adapter's credential locks live in the process (SQLite cannot keep a transaction open
 * across an await), so two servers on one folder would refresh the same credential at once and
 * present a single-use refresh token twice, which revokes the grant. The lock here keeps a second
 * server out; the CLI's maintenance commands do not take it and keep working beside a server.
 *
 * Why SQLite's own file lock rather than a pid file: the lock is an OS-level lock on
 * `serve.lock` (an EXCLUSIVE transaction that stays open for the life of the process), so the
 * operating system drops it the moment the holder dies, even by kill -9, and nobody has to decide
 * whether a recorded pid is still alive (pids are reused, and a container's pid 1 means nothing
 * to another container on the same volume). Who holds it is written beside it in
 * `serve.lock.json`, for the message only: that file can be stale, the lock cannot.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { z } from 'zod';

export const SERVER_LOCK_FILE = 'serve.lock';
export const SERVER_HOLDER_FILE = 'serve.lock.json';

const HolderSchema = z.object({ pid: z.number().int(), host: z.string(), since: z.string() });
export type ServerLockHolder = z.infer<typeof HolderSchema>;

/** Another server holds the data directory, and it did not stop within the wait. */
export class ServerLockError extends Error {
  override readonly name = 'ServerLockError';
  readonly code = 'DATA_DIR_IN_USE';
  constructor(
    readonly holder: ServerLockHolder | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface ServerLock {
  /** Releases the lock (idempotent): the next server waiting for it starts. */
  release(): void;
}

export interface AcquireServerLockOptions {
  dataDir: string;
  /** How long to wait for a holder to stop (a rolling restart) before refusing; 0 refuses at once. */
  waitMs: number;
  /** Told once, when the lock is held by another server and this one starts waiting. */
  onWait?: (holder: ServerLockHolder | undefined, waitMs: number) => void;
  pollMs?: number;
  now?: () => Date;
  /** Milliseconds for the wait's deadline (tests drive it with `sleep`); Date.now by default. */
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export async function acquireServerLock(options: AcquireServerLockOptions): Promise<ServerLock> {
  const now = options.now ?? (() => new Date());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const pollMs = options.pollMs ?? 200;
  const clock = options.clock ?? Date.now;
  fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const lockFile = path.join(options.dataDir, SERVER_LOCK_FILE);
  const holderFile = path.join(options.dataDir, SERVER_HOLDER_FILE);
  const deadline = clock() + options.waitMs;
  let told = false;
  for (;;) {
    const db = tryLock(lockFile);
    if (db !== undefined) {
      const holder: ServerLockHolder = { pid: process.pid, host: os.hostname(), since: now().toISOString() };
      writeHolder(holderFile, holder);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          // The record first, then the lock: a holder file never names a process that let go.
          fs.rmSync(holderFile, { force: true });
          db.close();
        },
      };
    }
    const holder = readHolder(holderFile);
    if (clock() >= deadline) {
      throw new ServerLockError(
        holder,
        `another connector serves from ${options.dataDir} (${describeHolder(holder)}); ` +
          'one server per SQLite data directory: stop it first, or use PostgreSQL (DATABASE_URL) for several replicas. ' +
          'The CLI commands (links list, rotate-key, pair) work beside it.',
      );
    }
    if (!told) {
      told = true;
      options.onWait?.(holder, options.waitMs);
    }
    await sleep(Math.min(pollMs, Math.max(1, deadline - clock())));
  }
}

export function describeHolder(holder: ServerLockHolder | undefined): string {
  return holder === undefined ? 'holder unknown' : `pid ${holder.pid} on ${holder.host}, since ${holder.since}`;
}

/** The open connection holding the lock, or undefined when another connection holds it. */
function tryLock(file: string): Database.Database | undefined {
  // timeout 0: a held lock answers SQLITE_BUSY at once; the waiting is ours, bounded and logged.
  const db = new Database(file, { timeout: 0 });
  try {
    // No journal file: nothing is ever written to this database, it exists to be locked.
    db.exec('PRAGMA journal_mode = MEMORY');
    db.exec('BEGIN EXCLUSIVE');
    return db;
  } catch (error) {
    db.close();
    const code = (error as { code?: unknown }).code;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return undefined;
    throw error;
  }
}

function writeHolder(file: string, holder: ServerLockHolder): void {
  const temp = `${file}.${randomUUID()}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(holder)}\n`, { mode: 0o600 });
  fs.renameSync(temp, file);
}

function readHolder(file: string): ServerLockHolder | undefined {
  try {
    const parsed = HolderSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
