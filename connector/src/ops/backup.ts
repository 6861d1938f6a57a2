import { closeSync, existsSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { SQLITE_FILE_NAME } from '../storage';

export type BackupErrorCode = 'BACKUP_POSTGRES' | 'BACKUP_NO_STORE' | 'BACKUP_TARGET_EXISTS' | 'BACKUP_TARGET_FOLDER' | 'BACKUP_CORRUPT';

export class BackupError extends Error {
  override readonly name = 'BackupError';
  constructor(
    readonly code: BackupErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface BackupResult {
  source: string;
  target: string;
  bytes: number;
  pages: number;
}

/** How long the backup waits for a writer's lock before SQLite reports the store busy. */
const BUSY_TIMEOUT_MS = 10_000;

/**
 * Copies the SQLite store with SQLite's online backup API (better-sqlite3's `db.backup()`): the
 * copy is one consistent snapshot even while a connector writes to the store, because the API
 * restarts its page copy whenever another connection changes the source, and it reads through
 * the WAL, so a plain `cp` of `connector.db` (which misses what is still in `connector.db-wal`)
 * is not a backup.
 *
 * The copy holds secrets sealed under the master key and the data keys wrapped by it; it is
 * written with mode 0600, under a temporary name first so a crash never leaves a half copy under
 * the target's name. The master key is deliberately not in it: keep that elsewhere.
 */
export async function backupSqlite(options: { databaseUrl: string | undefined; dataDir: string; target: string }): Promise<BackupResult> {
  if (options.databaseUrl !== undefined) {
    throw new BackupError(
      'BACKUP_POSTGRES',
      'the store is PostgreSQL (DATABASE_URL is set), which this command does not copy: back it up with the database tools, for example pg_dump --format=custom --file=applinks.dump "$DATABASE_URL", or your provider\'s snapshots; keep the master key apart from the dump',
    );
  }
  const source = path.join(options.dataDir, SQLITE_FILE_NAME);
  const target = path.resolve(options.target);
  if (!existsSync(source)) throw new BackupError('BACKUP_NO_STORE', `there is no store at ${source}: check CONNECTOR_DATA_DIR`);
  if (existsSync(target)) throw new BackupError('BACKUP_TARGET_EXISTS', `${target} already exists: choose a new file name (backups are never overwritten)`);
  if (!existsSync(path.dirname(target)) || !statSync(path.dirname(target)).isDirectory()) {
    throw new BackupError('BACKUP_TARGET_FOLDER', `the folder ${path.dirname(target)} does not exist`);
  }

  const partial = `${target}.${process.pid}.partial`;
  // Created empty with 0600 before SQLite writes into it, so the copy is never readable by others.
  closeSync(openSync(partial, 'wx', 0o600));
  try {
    // Read-only: the backup never migrates or writes the store a running connector owns.
    const db = new Database(source, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
    let pages = 0;
    try {
      pages = (await db.backup(partial)).totalPages;
    } finally {
      db.close();
    }
    checkCopy(partial);
    renameSync(partial, target);
    return { source, target, bytes: statSync(target).size, pages };
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}

/**
 * Makes the copy one self-contained file and runs SQLite's own consistency check on it before it
 * is called a backup. The copy inherits WAL mode from the store's header; left so, opening it
 * would leave `-wal`/`-shm` files beside it, which a copy to tape could split from it.
 */
function checkCopy(file: string): void {
  const copy = new Database(file, { fileMustExist: true });
  try {
    copy.exec('PRAGMA journal_mode = DELETE');
    const result = copy.prepare('PRAGMA integrity_check').pluck().all() as string[];
    if (result.length !== 1 || result[0] !== 'ok') throw new BackupError('BACKUP_CORRUPT', `the copy failed SQLite's integrity check: ${result.slice(0, 3).join('; ')}`);
  } finally {
    copy.close();
  }
}
