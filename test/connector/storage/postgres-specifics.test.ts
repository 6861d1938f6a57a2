/** Storage: what only PostgreSQL can show. */
import pg from 'pg';
import { createPostgresStore, createStore } from '../../../connector/src/storage';
import { createTestDatabase, dumpDatabase } from '../../helpers/postgres';
import { at, expectStoreError, link, sealed, vaultKey } from './fixtures';

describe('postgres store specifics', () => {
  it('createStore with a database URL uses PostgreSQL', async () => {
    const database = await createTestDatabase();
    const store = createStore({ databaseUrl: database.url, dataDir: '/nonexistent' });
    try {
      expect(store.dialect).toBe('postgres');
      await store.migrate();
      await store.ping();
    } finally {
      await store.close();
      await database.drop();
    }
  });

  it('deleteUnreferencedBelow keeps a key that a concurrent writer starts using while it runs, and still removes the others', async () => {
    const database = await createTestDatabase();
    const store = createPostgresStore({ connectionString: database.url });
    const writer = new pg.Client({ connectionString: database.url });
    try {
      await store.migrate();
      for (const version of [1, 2, 3]) await store.vaultKeys.insert(vaultKey(version));
      await writer.connect();
      // A replica sealing under key 1 has written but not committed when the cleanup looks.
      await writer.query('BEGIN');
      await writer.query("INSERT INTO secrets (owner_id, field, key_version, ciphertext, updated_at) VALUES ('a', 'x', 1, 'av1:1:late', $1)", [at(0)]);
      const cleanup = store.vaultKeys.deleteUnreferencedBelow(3);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await writer.query('COMMIT');
      expect(await cleanup).toEqual([2]);
      expect((await store.vaultKeys.list()).map((row) => row.version)).toEqual([1, 3]);
      expect(await store.secrets.get('a', 'x')).toEqual(sealed(1, 'late'));
    } finally {
      await writer.end();
      await store.close();
      await database.drop();
    }
  });

  it('dumpDatabase gives a plain SQL dump holding the schema and every stored row', async () => {
    const database = await createTestDatabase();
    const store = createPostgresStore({ connectionString: database.url });
    try {
      await store.migrate();
      await store.vaultKeys.insert(vaultKey(1));
      await store.links.create(link('link-1'), { put: [{ field: 'clientSecret', sealed: sealed(1, 'tab\there') }] });
      await store.settings.set('pairing', { code: 'line\nbreak' });
      const dump = await dumpDatabase(database.url);
      expect(dump).toContain('CREATE TABLE public.links');
      expect(dump).toMatch(/FOREIGN KEY \(key_version\) REFERENCES (public\.)?vault_keys\(version\) ON DELETE RESTRICT/);
      expect(dump).toMatch(/COPY public\.secrets \(.*\) FROM stdin;/);
      expect(dump).toContain('link-1\tclientSecret\t1\tav1:1:tab\\there');
      expect(dump).toContain('wrapped:master-a:1');
      expect(dump).toContain('Link link-1');
      expect(dump).toContain('line\\\\nbreak');
    } finally {
      await store.close();
      await database.drop();
    }
  });

  it('a server that does not answer is reported as UNAVAILABLE with the driver error as cause', async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const store = createPostgresStore({ connectionString: 'postgres://user:pw@127.0.0.1:1/none', connectTimeoutMs: 2_000 });
    try {
      const error = await expectStoreError(store.ping(), 'UNAVAILABLE');
      expect(error.cause).toHaveProperty('code', 'ECONNREFUSED');
      expect(error.message).not.toContain('pw');
      await expectStoreError(store.migrate(), 'UNAVAILABLE');
    } finally {
      await store.close();
    }
  });
});
