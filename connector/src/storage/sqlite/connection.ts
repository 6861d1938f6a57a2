/**
 * The SQLite connection (better-sqlite3) and what every sub-store does with it: cached statements,
 * error mapping, write transactions, and the secret writes that go inside other entities'
 * transactions.
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
import type { BackgroundErrorHandler } from '../changes';
import { closedStoreError, linkNotFoundError, toStoreError, type DriverFailure, type ErrorMeaning } from '../errors';
import { checkKeyVersion } from '../records';
import type { SealedSecret, SecretChanges } from '../store';

export interface SqliteStoreOptions {
  /** The database file (its folder is created if missing), or `':memory:'`. */
  file: string;
  /** How long to wait for another process's lock before failing with UNAVAILABLE. */
  busyTimeoutMs?: number;
  /** The clock for `updated_at` of secrets. */
  now?: () => Date;
  /** Failures nobody awaits (a change listener that threw): pass the logger. */
  onBackgroundError?: BackgroundErrorHandler;
}

export const SECRET_WRITE: ErrorMeaning = { secretKeyVersion: true };
const UNAVAILABLE_MESSAGE = 'The SQLite database is locked by another process or cannot be opened; check the data directory.';

/** One open database as the sub-stores use it. */
export interface SqliteConnection {
  readonly db: Database.Database;
  /** The current time as stored (`Date#toISOString()`). */
  now(): string;
  /** A prepared statement, cached by its text. */
  sql(text: string): Database.Statement;
  /** Runs `work` and maps what it throws; `async` callers turn the throw into a rejection. */
  run<T>(meaning: ErrorMeaning, work: () => T): T;
  /** `work` in one BEGIN IMMEDIATE transaction, its failures mapped. */
  writeTransaction<T>(meaning: ErrorMeaning, work: () => T): T;
  /** Inside a transaction: inserts or replaces one secret. */
  putSecret(ownerId: string, field: string, sealed: SealedSecret): void;
  /** Inside a transaction: deletes first, then puts, so a field named in both ends up holding the new value. */
  applySecretChanges(ownerId: string, changes: SecretChanges | undefined): void;
  /** Inside a write transaction, which holds SQLite's write lock: the link cannot go before it commits. */
  requireLink(linkId: string): void;
  readonly closed: boolean;
  /** Drops cached statements (after a migration, which may have changed what they were prepared against). */
  forgetStatements(): void;
  close(): void;
}

export function openSqlite(options: SqliteStoreOptions): SqliteConnection {
  const db = open(options.file, options.busyTimeoutMs ?? 5_000);
  const clock = options.now ?? (() => new Date());
  let closed = false;
  const statements = new Map<string, Database.Statement>();

  const connection: SqliteConnection = {
    db,
    now: () => clock().toISOString(),
    sql(text) {
      let statement = statements.get(text);
      if (!statement) {
        statement = db.prepare(text);
        statements.set(text, statement);
      }
      return statement;
    },
    run(meaning, work) {
      if (closed) throw closedStoreError();
      try {
        return work();
      } catch (error) {
        throw toStoreError(error, classify(error), meaning, UNAVAILABLE_MESSAGE);
      }
    },
    writeTransaction(meaning, work) {
      return connection.run(meaning, () => db.transaction(work).immediate());
    },
    putSecret(ownerId, field, sealed) {
      checkKeyVersion(sealed.keyVersion);
      connection
        .sql(
          `INSERT INTO secrets (owner_id, field, key_version, ciphertext, updated_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (owner_id, field) DO UPDATE SET
             key_version = excluded.key_version, ciphertext = excluded.ciphertext, updated_at = excluded.updated_at`,
        )
        .run(ownerId, field, sealed.keyVersion, sealed.ciphertext, connection.now());
    },
    applySecretChanges(ownerId, changes) {
      for (const field of changes?.delete ?? []) connection.sql('DELETE FROM secrets WHERE owner_id = ? AND field = ?').run(ownerId, field);
      for (const { field, sealed } of changes?.put ?? []) connection.putSecret(ownerId, field, sealed);
    },
    requireLink(linkId) {
      if (connection.sql('SELECT 1 FROM links WHERE id = ?').get(linkId) === undefined) throw linkNotFoundError();
    },
    get closed() {
      return closed;
    },
    forgetStatements() {
      statements.clear();
    },
    close() {
      if (closed) return;
      closed = true;
      statements.clear();
      db.close();
    },
  };
  return connection;
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
    // exec, not db.pragma(): under jest a second module instance of better-sqlite3 was seen to leave
    // foreign keys off after db.pragma(). Key rotation's safety rests on them, so check it is on.
    db.exec('PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;');
    if (db.prepare('PRAGMA foreign_keys').pluck().get() !== 1) throw new Error('SQLite did not turn foreign keys on');
    return db;
  } catch (error) {
    throw toStoreError(error, 'unavailable', {}, UNAVAILABLE_MESSAGE);
  }
}

function classify(error: unknown): DriverFailure {
  // By shape, not `instanceof`: the native addon keeps the SqliteError class of the first module
  // instance that loaded it, so a second instance (jest's per-file module registry) sees another.
  const code = typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'SqliteError' ? (error as { code?: unknown }).code : undefined;
  if (typeof code !== 'string') {
    // Thrown by the native addon, whose TypeError may belong to another realm than ours (jest).
    const message = typeof error === 'object' && error !== null && 'message' in error ? String(error.message) : '';
    return /database connection is not open/i.test(message) ? 'unavailable' : 'other';
  }
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') return 'unique';
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return 'foreign_key';
  if (/^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|FULL|READONLY|PROTOCOL)/.test(code)) return 'unavailable';
  return 'other';
}
