/**
 * The SQLite adapter (better-sqlite3): the embedded default, one file in the data directory.
 *
 * better-sqlite3 is synchronous, so every transaction below runs start to end without yielding to
 * the event loop: nothing else in this process can interleave with it. Another process (the CLI's
 * `rotate-key` while the server runs) is kept apart by SQLite's file locks: WAL lets readers go on
 * during a write, `busy_timeout` makes a writer wait for the other's lock instead of failing at
 * once, and write transactions start with BEGIN IMMEDIATE so they take the write lock before they
 * read (a deferred transaction that reads first could find its snapshot stale and fail without
 * waiting).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
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
import { pendingMigrations, SQLITE_MIGRATIONS } from './migrations';
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
  type LinkColumns,
} from './records';
import type { LinkRecord, SealedSecret, SecretChanges, Store, VaultKeyRow } from './store';

export interface SqliteStoreOptions {
  /** The database file (its folder is created if missing), or `':memory:'`. */
  file: string;
  /** How long to wait for another process's lock before failing with UNAVAILABLE. */
  busyTimeoutMs?: number;
  /** The clock for `updated_at` of secrets. */
  now?: () => Date;
}

const UNAVAILABLE_MESSAGE = 'The SQLite database is locked by another process or cannot be opened; check the data directory.';
const SECRET_WRITE: ErrorMeaning = { secretKeyVersion: true };

export function createSqliteStore(options: SqliteStoreOptions): Store {
  const db = open(options.file, options.busyTimeoutMs ?? 5_000);
  const now = () => (options.now ?? (() => new Date()))().toISOString();
  let closed = false;

  const statements = new Map<string, Database.Statement>();
  const sql = (text: string): Database.Statement => {
    let statement = statements.get(text);
    if (!statement) {
      statement = db.prepare(text);
      statements.set(text, statement);
    }
    return statement;
  };

  /** Runs `work` and maps what it throws; `async` callers turn the throw into a rejection. */
  const run = <T>(meaning: ErrorMeaning, work: () => T): T => {
    if (closed) throw closedStoreError();
    try {
      return work();
    } catch (error) {
      throw toStoreError(error, classify(error), meaning, UNAVAILABLE_MESSAGE);
    }
  };
  const writeTransaction = <T>(meaning: ErrorMeaning, work: () => T): T => run(meaning, () => db.transaction(work).immediate());

  const putSecret = (ownerId: string, field: string, sealed: SealedSecret): void => {
    checkKeyVersion(sealed.keyVersion);
    sql(
      `INSERT INTO secrets (owner_id, field, key_version, ciphertext, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (owner_id, field) DO UPDATE SET
         key_version = excluded.key_version, ciphertext = excluded.ciphertext, updated_at = excluded.updated_at`,
    ).run(ownerId, field, sealed.keyVersion, sealed.ciphertext, now());
  };

  /** Deletes first, then puts: a field named in both ends up holding the new value. */
  const applySecretChanges = (ownerId: string, changes: SecretChanges | undefined): void => {
    for (const field of changes?.delete ?? []) sql('DELETE FROM secrets WHERE owner_id = ? AND field = ?').run(ownerId, field);
    for (const { field, sealed } of changes?.put ?? []) putSecret(ownerId, field, sealed);
  };

  const linkParams = (c: LinkColumns) => [c.id, c.createdAt, c.updatedAt, c.version, c.document] as const;

  return {
    dialect: 'sqlite',

    links: {
      async create(record: LinkRecord, secrets?: SecretChanges) {
        const columns = toLinkColumns(record);
        writeTransaction({ unique: LINK_EXISTS_MESSAGE, secretKeyVersion: true }, () => {
          sql('INSERT INTO links (id, created_at, updated_at, version, document) VALUES (?, ?, ?, ?, ?)').run(...linkParams(columns));
          applySecretChanges(columns.id, secrets);
        });
      },

      async get(id: string) {
        const row = run({}, () => sql('SELECT id, created_at, updated_at, version, document FROM links WHERE id = ?').get(id));
        return row === undefined ? undefined : linkFromRow(row);
      },

      async list({ limit, cursor }) {
        checkLimit(limit);
        const after = cursor === undefined ? undefined : decodeCursor(cursor);
        const rows = run({}, () =>
          after === undefined
            ? sql('SELECT id, created_at, updated_at, version, document FROM links ORDER BY created_at, id LIMIT ?').all(limit + 1)
            : sql(
                `SELECT id, created_at, updated_at, version, document FROM links
                 WHERE (created_at, id) > (?, ?) ORDER BY created_at, id LIMIT ?`,
              ).all(after.createdAt, after.id, limit + 1),
        );
        return toPage(rows.map(linkFromRow), limit);
      },

      async count() {
        return countFromRow(run({}, () => sql('SELECT count(*) AS count FROM links').get()));
      },

      async update(record: LinkRecord, expectedVersion: number, secrets?: SecretChanges) {
        checkNextVersion(record, expectedVersion);
        const columns = toLinkColumns(record);
        writeTransaction(SECRET_WRITE, () => {
          const result = sql('UPDATE links SET created_at = ?, updated_at = ?, version = ?, document = ? WHERE id = ? AND version = ?').run(
            columns.createdAt,
            columns.updatedAt,
            columns.version,
            columns.document,
            columns.id,
            expectedVersion,
          );
          if (result.changes === 0) {
            throw sql('SELECT 1 FROM links WHERE id = ?').get(columns.id) === undefined ? linkNotFoundError() : conflictError();
          }
          applySecretChanges(columns.id, secrets);
        });
      },

      async delete(id: string) {
        return writeTransaction({}, () => {
          // Secrets first: they are owned by the link, and nothing may outlive it.
          sql('DELETE FROM secrets WHERE owner_id = ?').run(id);
          return sql('DELETE FROM links WHERE id = ?').run(id).changes > 0;
        });
      },
    },

    secrets: {
      async get(ownerId: string, field: string) {
        const row = run({}, () => sql('SELECT key_version, ciphertext FROM secrets WHERE owner_id = ? AND field = ?').get(ownerId, field));
        return row === undefined ? undefined : sealedFromRow(row);
      },

      async put(ownerId: string, field: string, sealed: SealedSecret) {
        run(SECRET_WRITE, () => putSecret(ownerId, field, sealed));
      },

      async delete(ownerId: string, field: string) {
        return run({}, () => sql('DELETE FROM secrets WHERE owner_id = ? AND field = ?').run(ownerId, field).changes > 0);
      },

      async listBelowKeyVersion(version: number, limit: number) {
        checkLimit(limit);
        const rows = run({}, () =>
          sql(
            `SELECT owner_id, field, key_version, ciphertext FROM secrets
             WHERE key_version < ? ORDER BY owner_id, field LIMIT ?`,
          ).all(version, limit),
        );
        return rows.map(secretFromRow);
      },

      async compareAndSwap(ownerId: string, field: string, expected: string, next: SealedSecret) {
        checkKeyVersion(next.keyVersion);
        return run(SECRET_WRITE, () => {
          const result = sql(
            `UPDATE secrets SET key_version = ?, ciphertext = ?, updated_at = ?
             WHERE owner_id = ? AND field = ? AND ciphertext = ?`,
          ).run(next.keyVersion, next.ciphertext, now(), ownerId, field, expected);
          return result.changes > 0;
        });
      },

      async countByKeyVersion() {
        const rows = run({}, () => sql('SELECT key_version, count(*) AS count FROM secrets GROUP BY key_version ORDER BY key_version').all());
        return new Map(rows.map(keyVersionCountFromRow));
      },
    },

    vaultKeys: {
      async list() {
        const rows = run({}, () => sql('SELECT version, master_key_id, wrapped_key, created_at FROM vault_keys ORDER BY version').all());
        return rows.map(vaultKeyFromRow);
      },

      async insert(row: VaultKeyRow) {
        checkVaultKeyRow(row);
        run({ unique: KEY_VERSION_EXISTS_MESSAGE }, () =>
          sql('INSERT INTO vault_keys (version, master_key_id, wrapped_key, created_at) VALUES (?, ?, ?, ?)').run(
            row.version,
            row.masterKeyId,
            row.wrappedKey,
            row.createdAt,
          ),
        );
      },

      async replaceAll(rows: VaultKeyRow[]) {
        rows.forEach(checkVaultKeyRow);
        checkDistinctVersions(rows.map((row) => row.version));
        writeTransaction({}, () => {
          for (const row of rows) {
            const result = sql('UPDATE vault_keys SET master_key_id = ?, wrapped_key = ?, created_at = ? WHERE version = ?').run(
              row.masterKeyId,
              row.wrappedKey,
              row.createdAt,
              row.version,
            );
            if (result.changes === 0) throw keySetChangedError();
          }
          // A key added since the caller listed them would stay wrapped by the old master key.
          if (countFromRow(sql('SELECT count(*) AS count FROM vault_keys').get()) !== rows.length) throw keySetChangedError();
        });
      },

      async deleteUnreferencedBelow(version: number) {
        // One statement under the write lock: no secret can start referencing a key between the
        // NOT EXISTS check and the delete (SQLite has one writer at a time).
        const rows = writeTransaction({}, () =>
          sql(
            `DELETE FROM vault_keys
             WHERE version < ? AND NOT EXISTS (SELECT 1 FROM secrets WHERE secrets.key_version = vault_keys.version)
             RETURNING version`,
          ).all(version),
        );
        return rows.map(versionFromRow).sort((a, b) => a - b);
      },
    },

    settings: {
      async get<T = unknown>(key: string): Promise<T | undefined> {
        const row = run({}, () => sql('SELECT value FROM settings WHERE key = ?').get(key));
        // The caller owns the shape of its setting and parses it; here it is only JSON.
        return row === undefined ? undefined : (settingFromRow(row) as T);
      },

      async set(key: string, value: unknown) {
        const json = settingToJson(value);
        run({}, () => sql('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, json));
      },

      async delete(key: string) {
        return run({}, () => sql('DELETE FROM settings WHERE key = ?').run(key).changes > 0);
      },
    },

    async migrate() {
      writeTransaction({}, () => {
        db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT NOT NULL PRIMARY KEY, applied_at TEXT NOT NULL) STRICT');
        const applied = new Set(
          (db.prepare('SELECT id FROM schema_migrations').all() as { id: string }[]).map((row) => row.id),
        );
        for (const migration of pendingMigrations(SQLITE_MIGRATIONS, applied)) {
          db.exec(migration.sql);
          db.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)').run(migration.id, now());
        }
      });
      // Statements prepared against the old schema are dropped rather than trusted.
      statements.clear();
    },

    async ping() {
      run({}, () => db.prepare('SELECT 1').get());
    },

    async close() {
      if (closed) return;
      closed = true;
      statements.clear();
      db.close();
    },
  };
}

function open(file: string, busyTimeoutMs: number): Database.Database {
  try {
    if (file !== ':memory:' && file !== '') {
      // The data directory also holds the master key file: only this user may enter it.
      fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
      // Created 0600 before SQLite opens it; SQLite gives its -wal and -shm files the same mode.
      fs.closeSync(fs.openSync(file, 'a', 0o600));
    }
    const db = new Database(file, { timeout: busyTimeoutMs });
    // WAL so readers (the server) and a writer (the CLI) do not block each other; FULL sync stays
    // the default because a rotated refresh token lost on power failure cannot be recovered.
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    return db;
  } catch (error) {
    throw toStoreError(error, 'unavailable', {}, UNAVAILABLE_MESSAGE);
  }
}

function classify(error: unknown): DriverFailure {
  if (!(error instanceof Database.SqliteError)) {
    // Thrown by the native addon, whose TypeError may belong to another realm than ours (jest).
    const message = typeof error === 'object' && error !== null && 'message' in error ? String(error.message) : '';
    return /database connection is not open/i.test(message) ? 'unavailable' : 'other';
  }
  const code = error.code;
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') return 'unique';
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return 'foreign_key';
  if (/^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|FULL|READONLY|PROTOCOL)/.test(code)) return 'unavailable';
  return 'other';
}
