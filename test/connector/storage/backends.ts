/**
 * The two databases the storage conformance suite runs every case on: SQLite in a temp file and
 * PostgreSQL in a fresh database on the embedded server. Each test file runs its cases on both
 * with `describe.each(BACKENDS)`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createPostgresStore, createSqliteStore, type Store } from '../../../connector/src/storage';
import { POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS } from '../../../connector/src/storage/migrations';
import { createTestDatabase } from '../../helpers/postgres';

/** A fresh empty database and ways to reach it. */
export interface StoreDatabase {
  /** Opens one more store on this database (another replica, or the CLI next to the server). */
  open(): Store;
  /** Runs SQL next to the store, as an operator with a SQL console would. */
  raw(sql: string): Promise<void>;
  /** Reads one integer with SQL next to the store. */
  rawCount(sql: string): Promise<number>;
  cleanup(): Promise<void>;
}

export interface Backend {
  name: 'sqlite' | 'postgres';
  migrations: number;
  prepare(): Promise<StoreDatabase>;
}

export const sqliteBackend: Backend = {
  name: 'sqlite',
  migrations: SQLITE_MIGRATIONS.length,
  async prepare() {
    const dir = mkdtempSync(path.join(tmpdir(), 'applinks-store-'));
    // A folder that does not exist yet: the adapter creates the data directory.
    const file = path.join(dir, 'data', 'connector.db');
    const stores: Store[] = [];
    const withDb = <T>(work: (db: Database.Database) => T): T => {
      const db = new Database(file);
      try {
        db.exec('PRAGMA foreign_keys = ON');
        return work(db);
      } finally {
        db.close();
      }
    };
    return {
      open() {
        const store = createSqliteStore({ file });
        stores.push(store);
        return store;
      },
      async raw(sql) {
        withDb((db) => db.exec(sql));
      },
      async rawCount(sql) {
        return withDb((db) => Number(db.prepare(sql).pluck().get()));
      },
      async cleanup() {
        await Promise.all(stores.map((store) => store.close()));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

export const postgresBackend: Backend = {
  name: 'postgres',
  migrations: POSTGRES_MIGRATIONS.length,
  async prepare() {
    const database = await createTestDatabase();
    const stores: Store[] = [];
    const withClient = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        return await work(client);
      } finally {
        await client.end();
      }
    };
    return {
      open() {
        const store = createPostgresStore({ connectionString: database.url, poolSize: 4 });
        stores.push(store);
        return store;
      },
      async raw(sql) {
        await withClient((client) => client.query(sql));
      },
      async rawCount(sql) {
        return withClient(async (client) => Number(Object.values((await client.query(sql)).rows[0] ?? {})[0]));
      },
      async cleanup() {
        await Promise.all(stores.map((store) => store.close()));
        await database.drop();
      },
    };
  },
};

export const BACKENDS: Backend[] = [sqliteBackend, postgresBackend];
