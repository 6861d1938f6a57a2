/**
 * One conformance suite for the storage interface, run against both adapters on real databases:
 * SQLite in a temp file and PostgreSQL in a fresh database on the embedded server. Whatever one
 * adapter does, the other must do too; a behaviour only one database can show says so in its name.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import {
  createPostgresStore,
  createSqliteStore,
  createStore,
  StoreError,
  type LinkRecord,
  type SealedSecret,
  type Store,
  type StoreErrorCode,
  type VaultKeyRow,
} from '../../../connector/src/storage';
import { POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS } from '../../../connector/src/storage/migrations';
import { createTestDatabase, dumpDatabase } from '../../helpers/postgres';

/** A fresh empty database and ways to reach it. */
interface Database_ {
  /** Opens one more store on this database (another replica, or the CLI next to the server). */
  open(): Store;
  /** Runs SQL next to the store, as an operator with a SQL console would. */
  raw(sql: string): Promise<void>;
  /** Reads one integer with SQL next to the store. */
  rawCount(sql: string): Promise<number>;
  cleanup(): Promise<void>;
}

interface Backend {
  name: 'sqlite' | 'postgres';
  migrations: number;
  prepare(): Promise<Database_>;
}

const sqliteBackend: Backend = {
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
        db.pragma('foreign_keys = ON');
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

const postgresBackend: Backend = {
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

/* ---- Fixtures ---- */

const T0 = Date.parse('2025-03-01T10:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

function link(id: string, createdAt = at(0), changes: Partial<LinkRecord> = {}): LinkRecord {
  return {
    id,
    name: `Link ${id}`,
    remoteKind: 'jira',
    applicationUrl: 'https://jira.example.com/',
    displayUrl: null,
    authKind: 'oauth2',
    status: 'needs-authorization',
    statusReason: null,
    outgoing: {
      clientId: 'client-1',
      clientSecretSetAt: createdAt,
      clientSecretLast4: 'wxyz',
      scopes: ['READ', 'WRITE'],
      authorizationEndpoint: 'https://jira.example.com/rest/oauth2/latest/authorize',
      tokenEndpoint: 'https://jira.example.com/rest/oauth2/latest/token',
      revocationEndpoint: null,
      apiProbeUrl: null,
      tenant: null,
      grantType: 'authorization_code',
    },
    createdAt,
    updatedAt: createdAt,
    version: 1,
    ...changes,
  };
}

function next(record: LinkRecord, changes: Partial<LinkRecord> = {}): LinkRecord {
  return { ...record, updatedAt: at(3600), version: record.version + 1, ...changes };
}

function vaultKey(version: number, masterKeyId = 'master-a'): VaultKeyRow {
  return { version, masterKeyId, wrappedKey: `wrapped:${masterKeyId}:${version}`, createdAt: at(version) };
}

function sealed(keyVersion: number, tag: string): SealedSecret {
  return { keyVersion, ciphertext: `av1:${keyVersion}:${tag}` };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

async function expectStoreError(promise: Promise<unknown>, code: StoreErrorCode): Promise<StoreError> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(StoreError);
  expect((error as StoreError).code).toBe(code);
  return error as StoreError;
}

async function allPages(store: Store, limit: number): Promise<{ pages: LinkRecord[][]; cursors: (string | null)[] }> {
  const pages: LinkRecord[][] = [];
  const cursors: (string | null)[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await store.links.list({ limit, cursor });
    pages.push(page.items);
    cursors.push(page.nextCursor);
    if (page.nextCursor === null) return { pages, cursors };
    cursor = page.nextCursor;
    if (pages.length > 100) throw new Error('the cursor never ends');
  }
}

/* ---- The suite ---- */

describe.each([sqliteBackend, postgresBackend])('$name store', (backend) => {
  let db: Database_;
  let store: Store;

  beforeEach(async () => {
    db = await backend.prepare();
    store = db.open();
    await store.migrate();
  });

  afterEach(async () => {
    await db.cleanup();
  });

  describe('migrations', () => {
    it('migrate() a second time is a no-op that keeps the data', async () => {
      await store.links.create(link('a'));
      await store.migrate();
      await store.migrate();
      expect(await store.links.get('a')).toEqual(link('a'));
      expect(await db.rawCount('SELECT count(*) FROM schema_migrations')).toBe(backend.migrations);
    });

    it('migrate() run at once from several stores on one fresh database applies each migration once', async () => {
      const fresh = await backend.prepare();
      try {
        const replicas = [fresh.open(), fresh.open(), fresh.open(), fresh.open()];
        await Promise.all(replicas.map((replica) => replica.migrate()));
        expect(await fresh.rawCount('SELECT count(*) FROM schema_migrations')).toBe(backend.migrations);
        await replicas[0]!.links.create(link('a'));
        expect(await replicas[3]!.links.get('a')).toEqual(link('a'));
      } finally {
        await fresh.cleanup();
      }
    });

    it('a second store on the same database (the CLI next to the server) sees committed writes at once', async () => {
      const cli = db.open();
      await store.vaultKeys.insert(vaultKey(1));
      await cli.secrets.put('a', 'clientSecret', sealed(1, 'x'));
      expect(await store.secrets.get('a', 'clientSecret')).toEqual(sealed(1, 'x'));
      await cli.close();
    });
  });

  describe('links', () => {
    it('create then get returns the record exactly as written', async () => {
      const record = link('a', at(5), { displayUrl: 'https://jira.example.com/display', statusReason: 'why', version: 7 });
      await store.links.create(record);
      expect(await store.links.get('a')).toEqual(record);
    });

    it('get of an id never stored is undefined', async () => {
      expect(await store.links.get('missing')).toBeUndefined();
    });

    it('create with an id already taken fails with ALREADY_EXISTS and keeps the first record', async () => {
      await store.links.create(link('a'));
      await expectStoreError(store.links.create(link('a', at(1), { name: 'Other' })), 'ALREADY_EXISTS');
      expect((await store.links.get('a'))?.name).toBe('Link a');
    });

    it('create refuses a record whose timestamps are not Date#toISOString() text, before touching the database', async () => {
      await expect(store.links.create(link('a', '2025-03-01T10:00:00Z'))).rejects.toThrow(TypeError);
      expect(await store.links.count()).toBe(0);
    });

    it('list pages through every record in (createdAt, id) order, without gaps or repeats, and says when it is done', async () => {
      // Inserted out of order, with ties on createdAt that the id must break.
      const records = [
        link('e', at(2)), link('b', at(1)), link('g', at(3)), link('a', at(2)), link('c', at(1)), link('f', at(0)), link('d', at(2)),
      ];
      for (const record of records) await store.links.create(record);
      const expected = ['f', 'b', 'c', 'a', 'd', 'e', 'g'];

      const { pages, cursors } = await allPages(store, 3);
      expect(pages.map((page) => page.map((record) => record.id))).toEqual([['f', 'b', 'c'], ['a', 'd', 'e'], ['g']]);
      expect(cursors[2]).toBeNull();
      expect(pages.flat()).toEqual(expected.map((id) => records.find((record) => record.id === id)));

      const single = await store.links.list({ limit: 100 });
      expect(single.items.map((record) => record.id)).toEqual(expected);
      expect(single.nextCursor).toBeNull();
    });

    it('list ends without an empty last page when the records fill the last page exactly', async () => {
      for (let i = 0; i < 6; i += 1) await store.links.create(link(`l${i}`, at(i)));
      const { pages } = await allPages(store, 3);
      expect(pages.map((page) => page.length)).toEqual([3, 3]);
    });

    it('list of an empty store is one empty page', async () => {
      expect(await store.links.list({ limit: 10 })).toEqual({ items: [], nextCursor: null });
    });

    it('a cursor keeps its place when records are added before and after it', async () => {
      for (let i = 0; i < 4; i += 1) await store.links.create(link(`l${i}`, at(10 + i)));
      const first = await store.links.list({ limit: 2 });
      await store.links.create(link('early', at(0)));
      await store.links.create(link('late', at(100)));
      const rest = await store.links.list({ limit: 10, cursor: first.nextCursor ?? undefined });
      expect(rest.items.map((record) => record.id)).toEqual(['l2', 'l3', 'late']);
    });

    it('list rejects a cursor it did not hand out with BAD_CURSOR', async () => {
      await store.links.create(link('a'));
      const b64 = (text: string) => Buffer.from(text).toString('base64url');
      for (const cursor of ['', 'not a cursor!', b64('not json'), b64('[1,2]'), b64('["yesterday","a"]'), b64('{"id":"a"}')]) {
        await expectStoreError(store.links.list({ limit: 10, cursor }), 'BAD_CURSOR');
      }
    });

    it('list refuses a limit that is not a positive integer', async () => {
      for (const limit of [0, -1, 1.5, Number.NaN]) await expect(store.links.list({ limit })).rejects.toThrow(RangeError);
    });

    it('count counts the records', async () => {
      expect(await store.links.count()).toBe(0);
      for (let i = 0; i < 5; i += 1) await store.links.create(link(`l${i}`));
      expect(await store.links.count()).toBe(5);
      await store.links.delete('l0');
      expect(await store.links.count()).toBe(4);
    });

    it('update naming the version it read replaces the record', async () => {
      const record = link('a');
      await store.links.create(record);
      const updated = next(record, { name: 'Renamed', status: 'connected', outgoing: { ...record.outgoing, scopes: ['READ'] } });
      await store.links.update(updated, 1);
      expect(await store.links.get('a')).toEqual(updated);
    });

    it('update naming a stale version fails with CONFLICT and changes nothing', async () => {
      const record = link('a');
      await store.links.create(record);
      await store.links.update(next(record, { name: 'First' }), 1);
      await expectStoreError(store.links.update(next(record, { name: 'Second' }), 1), 'CONFLICT');
      expect(await store.links.get('a')).toMatchObject({ name: 'First', version: 2 });
    });

    it('of two concurrent updates from the same version, exactly one wins and the other gets CONFLICT', async () => {
      const record = link('a');
      await store.links.create(record);
      const other = db.open();
      const results = await Promise.allSettled([
        store.links.update(next(record, { name: 'From store' }), 1),
        other.links.update(next(record, { name: 'From other' }), 1),
      ]);
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      const failed = results.find((result) => result.status === 'rejected');
      expect(failed?.reason).toBeInstanceOf(StoreError);
      expect((failed?.reason as StoreError).code).toBe('CONFLICT');
      expect((await store.links.get('a'))?.version).toBe(2);
      await other.close();
    });

    it('update of an id that does not exist fails with NOT_FOUND', async () => {
      await expectStoreError(store.links.update(next(link('ghost')), 1), 'NOT_FOUND');
      expect(await store.links.get('ghost')).toBeUndefined();
    });

    it('update refuses a record whose version is not expectedVersion + 1', async () => {
      await store.links.create(link('a'));
      await expect(store.links.update(link('a', at(0), { version: 5 }), 1)).rejects.toThrow(RangeError);
    });

    it('create stores the secrets it carries, owned by the link', async () => {
      await store.vaultKeys.insert(vaultKey(1));
      await store.links.create(link('a'), { put: [{ field: 'clientSecret', sealed: sealed(1, 'cs') }, { field: 'refreshToken', sealed: sealed(1, 'rt') }] });
      expect(await store.secrets.get('a', 'clientSecret')).toEqual(sealed(1, 'cs'));
      expect(await store.secrets.get('a', 'refreshToken')).toEqual(sealed(1, 'rt'));
    });

    it('update puts and deletes secrets together with the record', async () => {
      await store.vaultKeys.insert(vaultKey(1));
      const record = link('a');
      await store.links.create(record, { put: [{ field: 'clientSecret', sealed: sealed(1, 'old') }, { field: 'accessToken', sealed: sealed(1, 'at') }] });
      await store.links.update(next(record), 1, { put: [{ field: 'clientSecret', sealed: sealed(1, 'new') }], delete: ['accessToken'] });
      expect(await store.secrets.get('a', 'clientSecret')).toEqual(sealed(1, 'new'));
      expect(await store.secrets.get('a', 'accessToken')).toBeUndefined();
    });

    it('a create whose secret names a key version that does not exist fails with STALE_KEY_VERSION and leaves no record behind', async () => {
      await store.vaultKeys.insert(vaultKey(1));
      const error = await expectStoreError(
        store.links.create(link('a'), { put: [{ field: 'clientId', sealed: sealed(1, 'ok') }, { field: 'clientSecret', sealed: sealed(99, 'stale') }] }),
        'STALE_KEY_VERSION',
      );
      expect(error.cause).toBeDefined();
      expect(await store.links.get('a')).toBeUndefined();
      expect(await store.links.count()).toBe(0);
      expect(await store.secrets.get('a', 'clientId')).toBeUndefined();
    });

    it('an update whose secret names a deleted key version fails with STALE_KEY_VERSION and leaves the record and secrets as they were', async () => {
      await store.vaultKeys.insert(vaultKey(1));
      await store.vaultKeys.insert(vaultKey(2));
      const record = link('a');
      await store.links.create(record, { put: [{ field: 'clientSecret', sealed: sealed(2, 'cs') }] });
      expect(await store.vaultKeys.deleteUnreferencedBelow(2)).toEqual([1]);
      await expectStoreError(
        store.links.update(next(record, { name: 'Renamed' }), 1, { delete: ['clientSecret'], put: [{ field: 'accessToken', sealed: sealed(1, 'at') }] }),
        'STALE_KEY_VERSION',
      );
      expect(await store.links.get('a')).toEqual(record);
      expect(await store.secrets.get('a', 'clientSecret')).toEqual(sealed(2, 'cs'));
      expect(await store.secrets.get('a', 'accessToken')).toBeUndefined();
    });

    it('delete removes the record and every secret it owns, and no one else\'s', async () => {
      await store.vaultKeys.insert(vaultKey(1));
      await store.links.create(link('a'), { put: [{ field: 'clientSecret', sealed: sealed(1, 'a1') }] });
      await store.links.create(link('b'), { put: [{ field: 'clientSecret', sealed: sealed(1, 'b1') }] });
      await store.secrets.put('a', 'refreshToken', sealed(1, 'a2'));
      expect(await store.links.delete('a')).toBe(true);
      expect(await store.links.get('a')).toBeUndefined();
      expect(await store.secrets.get('a', 'clientSecret')).toBeUndefined();
      expect(await store.secrets.get('a', 'refreshToken')).toBeUndefined();
      expect(await store.links.get('b')).toBeDefined();
      expect(await store.secrets.get('b', 'clientSecret')).toEqual(sealed(1, 'b1'));
    });

    it('delete of an id that does not exist returns false', async () => {
      expect(await store.links.delete('missing')).toBe(false);
    });
  });

  describe('secrets', () => {
    beforeEach(async () => {
      await store.vaultKeys.insert(vaultKey(1));
      await store.vaultKeys.insert(vaultKey(2));
      await store.vaultKeys.insert(vaultKey(3));
    });

    it('put then get returns the sealed secret; put again replaces it, key version included', async () => {
      await store.secrets.put('owner', 'field', sealed(1, 'first'));
      expect(await store.secrets.get('owner', 'field')).toEqual(sealed(1, 'first'));
      await store.secrets.put('owner', 'field', sealed(2, 'second'));
      expect(await store.secrets.get('owner', 'field')).toEqual(sealed(2, 'second'));
    });

    it('get of a secret never stored is undefined', async () => {
      expect(await store.secrets.get('owner', 'nothing')).toBeUndefined();
    });

    it('delete removes one secret and says whether there was one', async () => {
      await store.secrets.put('owner', 'a', sealed(1, 'a'));
      await store.secrets.put('owner', 'b', sealed(1, 'b'));
      expect(await store.secrets.delete('owner', 'a')).toBe(true);
      expect(await store.secrets.delete('owner', 'a')).toBe(false);
      expect(await store.secrets.get('owner', 'b')).toEqual(sealed(1, 'b'));
    });

    it('put under a key version that does not exist fails with STALE_KEY_VERSION, keeping the driver error as cause and the ciphertext out of the message', async () => {
      await store.secrets.put('owner', 'field', sealed(1, 'kept'));
      const error = await expectStoreError(store.secrets.put('owner', 'field', sealed(42, 'SENSITIVE-CIPHERTEXT')), 'STALE_KEY_VERSION');
      expect(error.cause).toHaveProperty('code', backend.name === 'sqlite' ? 'SQLITE_CONSTRAINT_FOREIGNKEY' : '23503');
      expect(error.message).not.toContain('SENSITIVE-CIPHERTEXT');
      expect(error.message).not.toContain('owner');
      expect(await store.secrets.get('owner', 'field')).toEqual(sealed(1, 'kept'));
    });

    it('compareAndSwap replaces the secret when it still holds the expected ciphertext', async () => {
      await store.secrets.put('owner', 'field', sealed(1, 'old'));
      expect(await store.secrets.compareAndSwap('owner', 'field', sealed(1, 'old').ciphertext, sealed(3, 'rewrapped'))).toBe(true);
      expect(await store.secrets.get('owner', 'field')).toEqual(sealed(3, 'rewrapped'));
    });

    it('compareAndSwap returns false after a concurrent change and keeps the concurrent value', async () => {
      await store.secrets.put('owner', 'field', sealed(1, 'old'));
      const [row] = await store.secrets.listBelowKeyVersion(3, 10);
      await db.open().secrets.put('owner', 'field', sealed(3, 'written-meanwhile'));
      expect(await store.secrets.compareAndSwap('owner', 'field', row!.ciphertext, sealed(3, 'rewrapped'))).toBe(false);
      expect(await store.secrets.get('owner', 'field')).toEqual(sealed(3, 'written-meanwhile'));
    });

    it('compareAndSwap returns false for a secret removed meanwhile and does not bring it back', async () => {
      await store.secrets.put('owner', 'field', sealed(1, 'old'));
      await store.secrets.delete('owner', 'field');
      expect(await store.secrets.compareAndSwap('owner', 'field', sealed(1, 'old').ciphertext, sealed(3, 'rewrapped'))).toBe(false);
      expect(await store.secrets.get('owner', 'field')).toBeUndefined();
    });

    it('compareAndSwap to a key version that does not exist fails with STALE_KEY_VERSION', async () => {
      await store.secrets.put('owner', 'field', sealed(1, 'old'));
      await expectStoreError(store.secrets.compareAndSwap('owner', 'field', sealed(1, 'old').ciphertext, sealed(7, 'new')), 'STALE_KEY_VERSION');
      expect(await store.secrets.get('owner', 'field')).toEqual(sealed(1, 'old'));
    });

    it('listBelowKeyVersion returns only secrets under older keys, in (owner, field) order, a batch at a time', async () => {
      await store.secrets.put('b', 'x', sealed(1, 'bx'));
      await store.secrets.put('a', 'y', sealed(2, 'ay'));
      await store.secrets.put('a', 'x', sealed(1, 'ax'));
      await store.secrets.put('c', 'x', sealed(3, 'cx'));
      await store.secrets.put('A', 'x', sealed(2, 'Ax'));
      const below = (version: number, limit: number) =>
        store.secrets.listBelowKeyVersion(version, limit).then((rows) => rows.map((row) => `${row.ownerId}/${row.field}@${row.keyVersion}`));
      // Byte order in both databases: upper case sorts before lower case.
      expect(await below(3, 10)).toEqual(['A/x@2', 'a/x@1', 'a/y@2', 'b/x@1']);
      expect(await below(3, 2)).toEqual(['A/x@2', 'a/x@1']);
      expect(await below(2, 10)).toEqual(['a/x@1', 'b/x@1']);
      expect(await below(1, 10)).toEqual([]);
      expect((await store.secrets.listBelowKeyVersion(2, 1))[0]).toEqual({ ownerId: 'a', field: 'x', ...sealed(1, 'ax') });
    });

    it('countByKeyVersion counts secrets per key version in use', async () => {
      expect(await store.secrets.countByKeyVersion()).toEqual(new Map());
      await store.secrets.put('a', 'x', sealed(1, '1'));
      await store.secrets.put('a', 'y', sealed(1, '2'));
      await store.secrets.put('b', 'x', sealed(3, '3'));
      expect(await store.secrets.countByKeyVersion()).toEqual(
        new Map([
          [1, 2],
          [3, 1],
        ]),
      );
    });
  });

  describe('vault keys', () => {
    it('insert then list returns the keys in version order, exactly as written', async () => {
      await store.vaultKeys.insert(vaultKey(2));
      await store.vaultKeys.insert(vaultKey(1));
      expect(await store.vaultKeys.list()).toEqual([vaultKey(1), vaultKey(2)]);
    });

    it('insert of a version already taken fails with ALREADY_EXISTS (another process rotated first)', async () => {
      await store.vaultKeys.insert(vaultKey(1));
      await expectStoreError(store.vaultKeys.insert(vaultKey(1, 'master-b')), 'ALREADY_EXISTS');
      expect(await store.vaultKeys.list()).toEqual([vaultKey(1)]);
    });

    it('replaceAll rewrites the wrapping of every key and leaves the secrets alone', async () => {
      await store.vaultKeys.insert(vaultKey(1));
      await store.vaultKeys.insert(vaultKey(2));
      await store.secrets.put('a', 'x', sealed(1, 'ax'));
      await store.vaultKeys.replaceAll([vaultKey(1, 'master-b'), vaultKey(2, 'master-b')]);
      expect(await store.vaultKeys.list()).toEqual([vaultKey(1, 'master-b'), vaultKey(2, 'master-b')]);
      expect(await store.secrets.get('a', 'x')).toEqual(sealed(1, 'ax'));
    });

    it('replaceAll fails with CONFLICT and changes nothing when a key was added after the caller listed them', async () => {
      await store.vaultKeys.insert(vaultKey(1));
      await store.vaultKeys.insert(vaultKey(2));
      await expectStoreError(store.vaultKeys.replaceAll([vaultKey(1, 'master-b')]), 'CONFLICT');
      expect(await store.vaultKeys.list()).toEqual([vaultKey(1), vaultKey(2)]);
    });

    it('replaceAll fails with CONFLICT and changes nothing when a key it names was removed meanwhile', async () => {
      await store.vaultKeys.insert(vaultKey(1));
      await expectStoreError(store.vaultKeys.replaceAll([vaultKey(1, 'master-b'), vaultKey(2, 'master-b')]), 'CONFLICT');
      expect(await store.vaultKeys.list()).toEqual([vaultKey(1)]);
    });

    it('deleteUnreferencedBelow removes only the versions below the bound that no secret uses', async () => {
      for (const version of [1, 2, 3, 4]) await store.vaultKeys.insert(vaultKey(version));
      await store.secrets.put('a', 'x', sealed(2, 'ax'));
      expect(await store.vaultKeys.deleteUnreferencedBelow(4)).toEqual([1, 3]);
      expect((await store.vaultKeys.list()).map((row) => row.version)).toEqual([2, 4]);
      expect(await store.vaultKeys.deleteUnreferencedBelow(4)).toEqual([]);
      await store.secrets.put('a', 'x', sealed(4, 'ax2'));
      expect(await store.vaultKeys.deleteUnreferencedBelow(4)).toEqual([2]);
    });

    it('the database itself refuses to delete a key version a secret still uses', async () => {
      await store.vaultKeys.insert(vaultKey(1));
      await store.secrets.put('a', 'x', sealed(1, 'ax'));
      await expect(db.raw('DELETE FROM vault_keys WHERE version = 1')).rejects.toThrow(/foreign key/i);
      expect(await store.vaultKeys.list()).toEqual([vaultKey(1)]);
    });
  });

  describe('settings', () => {
    it('get of a setting never set is undefined', async () => {
      expect(await store.settings.get('missing')).toBeUndefined();
    });

    it('set then get round-trips JSON values of every kind', async () => {
      const values: Record<string, unknown> = {
        object: { pairing: { code: 'abc', expiresAt: at(60) }, list: [1, 'two', { three: true }], nested: { empty: {} } },
        array: [1, 2, 3],
        text: 'plain "quoted" \\ text ✓',
        number: 12.5,
        boolean: false,
        null: null,
      };
      for (const [key, value] of Object.entries(values)) await store.settings.set(key, value);
      for (const [key, value] of Object.entries(values)) expect(await store.settings.get(key)).toEqual(value);
    });

    it('set replaces the previous value', async () => {
      await store.settings.set('k', { a: 1 });
      await store.settings.set('k', { b: 2 });
      expect(await store.settings.get('k')).toEqual({ b: 2 });
    });

    it('delete removes a setting and says whether there was one', async () => {
      await store.settings.set('k', 1);
      expect(await store.settings.delete('k')).toBe(true);
      expect(await store.settings.delete('k')).toBe(false);
      expect(await store.settings.get('k')).toBeUndefined();
    });

    it('set refuses a value that has no JSON form', async () => {
      await expect(store.settings.set('k', undefined)).rejects.toThrow(TypeError);
      expect(await store.settings.get('k')).toBeUndefined();
    });
  });

  describe('lifecycle', () => {
    it('ping resolves while the database answers', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('after close, calls fail with UNAVAILABLE, and closing again is harmless', async () => {
      await store.close();
      await expectStoreError(store.ping(), 'UNAVAILABLE');
      await expectStoreError(store.links.get('a'), 'UNAVAILABLE');
      await expect(store.close()).resolves.toBeUndefined();
    });
  });
});

/* ---- What only one database can show ---- */

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
