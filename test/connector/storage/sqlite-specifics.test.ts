/** Storage: what only SQLite can show. */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createSqliteStore, createStore } from '../../../connector/src/storage';
import { link } from './fixtures';

describe('sqlite store specifics', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'applinks-store-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs in WAL mode with foreign keys on, in a file only its owner can read', async () => {
    const file = path.join(dir, 'connector.db');
    const store = createSqliteStore({ file });
    await store.migrate();
    await store.close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('works in memory with ":memory:"', async () => {
    const store = createSqliteStore({ file: ':memory:' });
    await store.migrate();
    await store.links.create(link('a'));
    expect(await store.links.count()).toBe(1);
    await store.close();
  });

  it('createStore without a database URL puts SQLite at <dataDir>/connector.db', async () => {
    const store = createStore({ dataDir: path.join(dir, 'data') });
    expect(store.dialect).toBe('sqlite');
    await store.migrate();
    await store.close();
    expect(statSync(path.join(dir, 'data', 'connector.db')).isFile()).toBe(true);
  });
});
