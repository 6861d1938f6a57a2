/**
 * Picks the storage adapter: PostgreSQL when a database URL is configured (several replicas),
 * otherwise SQLite in the data directory (one replica, nothing to install).
 */
import path from 'node:path';
import { createPostgresStore } from './postgres';
import { createSqliteStore } from './sqlite';
import type { Store } from './store';

export * from './store';
export { createPostgresStore, type PostgresStoreOptions } from './postgres';
export { createSqliteStore, type SqliteStoreOptions } from './sqlite';
export { acquireServerLock, describeHolder, ServerLockError, type ServerLock, type ServerLockHolder } from './sqlite/server-lock';

/** The SQLite file's name inside the data directory. */
export const SQLITE_FILE_NAME = 'connector.db';

export function createStore(options: { databaseUrl?: string | undefined; dataDir: string }): Store {
  if (options.databaseUrl) return createPostgresStore({ connectionString: options.databaseUrl });
  return createSqliteStore({ file: path.join(options.dataDir, SQLITE_FILE_NAME) });
}
