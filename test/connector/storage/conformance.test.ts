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
  ACCESS_TOKEN_FIELD,
  authStateOwnerId,
  CODE_VERIFIER_FIELD,
  createPostgresStore,
  createSqliteStore,
  createStore,
  REFRESH_TOKEN_FIELD,
  StoreError,
  tokenOwnerId,
  type AuthStateRecord,
  type ConsumerRecord,
  type LinkRecord,
  type PostgresStoreOptions,
  type SealedSecret,
  type Store,
  type StoreErrorCode,
  type TokenAccess,
  type TokenRecord,
  type TokenSecrets,
  type VaultKeyRow,
} from '../../../connector/src/storage';
import { POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS } from '../../../connector/src/storage/migrations';
import { TOKEN_CHANNEL } from '../../../connector/src/storage/postgres-changes';
import { createTestDatabase, dumpDatabase, type TestDatabase } from '../../helpers/postgres';

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

const TOKEN_HASH_A = 'a'.repeat(64);

function tokenRecord(linkId: string, subject = '', changes: Partial<TokenRecord> = {}): TokenRecord {
  return {
    linkId,
    subject,
    tokenType: 'Bearer',
    scopes: ['READ', 'WRITE'],
    obtainedAt: at(0),
    expiresAt: at(3600),
    refreshAt: at(3300),
    hasRefreshToken: true,
    state: 'valid',
    failureCount: 0,
    nextAttemptAt: null,
    lastErrorCode: null,
    updatedAt: at(0),
    ...changes,
  };
}

function tokenSecrets(tag: string, options: { keyVersion?: number; refresh?: boolean } = {}): TokenSecrets {
  const keyVersion = options.keyVersion ?? 1;
  return { accessToken: sealed(keyVersion, `at-${tag}`), refreshToken: options.refresh === false ? null : sealed(keyVersion, `rt-${tag}`) };
}

/** Saves a credential whose record and tokens agree. */
async function saveToken(store: Store, linkId: string, subject = '', changes: Partial<TokenRecord> = {}, tag = 'x'): Promise<TokenRecord> {
  const record = tokenRecord(linkId, subject, changes);
  await store.tokens.save(record, tokenSecrets(tag, { refresh: record.hasRefreshToken }));
  return record;
}

function authState(id: string, linkId = 'a', changes: Partial<AuthStateRecord> = {}): AuthStateRecord {
  return { id, linkId, subject: 'user-1', createdAt: at(0), expiresAt: at(600), usedAt: null, ...changes };
}

function consumer(id: string, createdAt = at(0), changes: Partial<ConsumerRecord> = {}): ConsumerRecord {
  return { id, name: `Consumer ${id}`, keyHash: TOKEN_HASH_A, linkIds: ['a', 'b'], createdAt, ...changes };
}

const tick = (ms = 1) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every change a store's listeners hear, until `stop`. */
function recordChanges(store: Store): { changes: string[]; stop: () => void } {
  const changes: string[] = [];
  const stop = store.tokens.onChange((linkId, subject) => changes.push(`${linkId}/${subject}`));
  return { changes, stop };
}

/** Resolves once `check` holds, polling; rejects after `ms`. */
async function eventually(check: () => boolean | Promise<boolean>, ms = 5_000, what = 'the condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${ms} ms`);
    await tick(20);
  }
}

/** Whether `promise` settles within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `withLock` on the link's own credential: read the counter (failureCount), yield, write it + 1. Returns what it read. */
function increment(store: Store, linkId = 'a'): Promise<number> {
  return store.tokens
    .withLock(linkId, '', { wait: true }, async (access) => {
      const current = await access.get(linkId, '');
      if (current === undefined) throw new Error('no token to count with');
      // Yield to the event loop between read and write, where a missing lock would let others in.
      await tick();
      await access.saveRecord({ ...current.record, failureCount: current.record.failureCount + 1 });
      return current.record.failureCount;
    })
    .then((result) => {
      if (!result.acquired) throw new Error('a waiting withLock did not acquire');
      return result.value;
    });
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

    it('setStatus changes status and reason only, bumps the version, and says false when nothing changes or the link is gone', async () => {
      const record = link('a');
      await store.links.create(record);
      const later = at(5);
      expect(await store.links.setStatus('a', 'failing', 'Renewing failed', later)).toBe(true);
      expect(await store.links.get('a')).toEqual({ ...record, status: 'failing', statusReason: 'Renewing failed', updatedAt: later, version: 2 });
      expect(await store.links.setStatus('a', 'failing', 'Renewing failed', at(6))).toBe(false);
      expect((await store.links.get('a'))?.version).toBe(2);
      expect(await store.links.setStatus('ghost', 'connected', null, later)).toBe(false);
      expect(await store.links.get('ghost')).toBeUndefined();
    });

    it('concurrent setStatus calls from two stores both apply, one after the other, without CONFLICT', async () => {
      await store.links.create(link('a'));
      const other = db.open();
      const results = await Promise.all([store.links.setStatus('a', 'failing', 'x', at(5)), other.links.setStatus('a', 'connected', null, at(6))]);
      expect(results).toEqual([true, true]);
      expect((await store.links.get('a'))?.version).toBe(3);
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

    // A second connection, as a DBA's shell or a backup tool would open. On SQLite it runs with
    // foreign keys off (the sqlite3 shell's default): the guard trigger must hold there too.
    it('the database itself refuses to delete a key version a secret still uses, on any connection', async () => {
      await store.vaultKeys.insert(vaultKey(1));
      await store.secrets.put('a', 'x', sealed(1, 'ax'));
      const statement = backend.name === 'sqlite' ? 'PRAGMA foreign_keys = OFF; DELETE FROM vault_keys WHERE version = 1' : 'DELETE FROM vault_keys WHERE version = 1';
      const outcome = await db.raw(statement).then(
        async () => `no error; secrets under 1: ${await db.rawCount('SELECT count(*) FROM secrets WHERE key_version = 1')}; keys: ${await db.rawCount('SELECT count(*) FROM vault_keys')}`,
        (error: unknown) => String((error as Error).message),
      );
      expect(outcome).toMatch(/foreign key/i);
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

  describe('tokens', () => {
    beforeEach(async () => {
      await store.vaultKeys.insert(vaultKey(1));
      await store.links.create(link('a'));
      await store.links.create(link('b'));
    });

    it('save then get returns the record and both sealed tokens exactly as written, the tokens kept in secrets under tokenOwnerId', async () => {
      const record = tokenRecord('a', 'user-1', { scopes: ['READ'], nextAttemptAt: at(10), lastErrorCode: 'X', failureCount: 2 });
      await store.tokens.save(record, tokenSecrets('1'));
      expect(await store.tokens.get('a', 'user-1')).toEqual({ record, ...tokenSecrets('1') });
      expect(await store.secrets.get(tokenOwnerId('a', 'user-1'), ACCESS_TOKEN_FIELD)).toEqual(sealed(1, 'at-1'));
      expect(await store.secrets.get(tokenOwnerId('a', 'user-1'), REFRESH_TOKEN_FIELD)).toEqual(sealed(1, 'rt-1'));
      // The link's own credential (subject '') is another credential.
      expect(await store.tokens.get('a', '')).toBeUndefined();
    });

    it('get of a credential never saved is undefined', async () => {
      expect(await store.tokens.get('a', '')).toBeUndefined();
      expect(await store.tokens.get('missing', '')).toBeUndefined();
    });

    it('save again replaces the record and the tokens; a null refresh token removes the stored one', async () => {
      await saveToken(store, 'a', '', {}, 'first');
      const second = tokenRecord('a', '', { tokenType: 'mac', expiresAt: at(7200), refreshAt: at(7000), updatedAt: at(100) });
      await store.tokens.save(second, tokenSecrets('second'));
      expect(await store.tokens.get('a', '')).toEqual({ record: second, ...tokenSecrets('second') });
      const third = tokenRecord('a', '', { hasRefreshToken: false, updatedAt: at(200) });
      await store.tokens.save(third, tokenSecrets('third', { refresh: false }));
      expect(await store.tokens.get('a', '')).toEqual({ record: third, accessToken: sealed(1, 'at-third'), refreshToken: null });
      expect(await store.secrets.get(tokenOwnerId('a', ''), REFRESH_TOKEN_FIELD)).toBeUndefined();
    });

    it('save refuses a record that disagrees with its tokens about the refresh token, or whose timestamps are not toISOString() text, before touching the database', async () => {
      await expect(store.tokens.save(tokenRecord('a', '', { hasRefreshToken: true }), tokenSecrets('x', { refresh: false }))).rejects.toThrow(TypeError);
      await expect(store.tokens.save(tokenRecord('a', '', { hasRefreshToken: false }), tokenSecrets('x'))).rejects.toThrow(TypeError);
      await expect(store.tokens.save(tokenRecord('a', '', { expiresAt: '2025-03-01T11:00:00Z' }), tokenSecrets('x'))).rejects.toThrow(TypeError);
      await expect(store.tokens.save(tokenRecord('a', '', { failureCount: -1 }), tokenSecrets('x'))).rejects.toThrow(TypeError);
      expect(await store.tokens.get('a', '')).toBeUndefined();
      expect(await store.secrets.countByKeyVersion()).toEqual(new Map());
    });

    it('save with a token sealed under a key version that does not exist fails with STALE_KEY_VERSION, leaving the previous record and tokens as they were', async () => {
      const first = await saveToken(store, 'a', '', {}, 'kept');
      const error = await expectStoreError(
        store.tokens.save(tokenRecord('a', '', { updatedAt: at(50) }), { accessToken: sealed(1, 'new-at'), refreshToken: sealed(9, 'SENSITIVE-CIPHERTEXT') }),
        'STALE_KEY_VERSION',
      );
      expect(error.cause).toBeDefined();
      expect(error.message).not.toContain('SENSITIVE-CIPHERTEXT');
      expect(await store.tokens.get('a', '')).toEqual({ record: first, ...tokenSecrets('kept') });
    });

    it('save of a new credential under a stale key version leaves no record and no secret behind', async () => {
      await expectStoreError(store.tokens.save(tokenRecord('a'), tokenSecrets('x', { keyVersion: 9 })), 'STALE_KEY_VERSION');
      expect(await store.tokens.get('a', '')).toBeUndefined();
      expect(await store.tokens.listForLink('a')).toEqual([]);
      expect(await store.secrets.countByKeyVersion()).toEqual(new Map());
    });

    it('save for a link that does not exist fails with NOT_FOUND and writes nothing', async () => {
      await expectStoreError(store.tokens.save(tokenRecord('ghost'), tokenSecrets('x')), 'NOT_FOUND');
      expect(await store.tokens.get('ghost', '')).toBeUndefined();
      expect(await store.secrets.get(tokenOwnerId('ghost', ''), ACCESS_TOKEN_FIELD)).toBeUndefined();
    });

    it('saveRecord replaces the metadata and keeps the sealed tokens', async () => {
      const record = await saveToken(store, 'a', '', {}, 'kept');
      const failed = { ...record, failureCount: 3, nextAttemptAt: at(900), lastErrorCode: 'TOKEN_ENDPOINT_UNREACHABLE', state: 'needs-reauthorization' as const, updatedAt: at(60) };
      await store.tokens.saveRecord(failed);
      expect(await store.tokens.get('a', '')).toEqual({ record: failed, ...tokenSecrets('kept') });
    });

    it('saveRecord of a credential with no tokens fails with NOT_FOUND; one that changes hasRefreshToken is refused and changes nothing', async () => {
      await expectStoreError(store.tokens.saveRecord(tokenRecord('a')), 'NOT_FOUND');
      const record = await saveToken(store, 'a');
      await expect(store.tokens.saveRecord({ ...record, hasRefreshToken: false, failureCount: 5 })).rejects.toThrow(TypeError);
      expect((await store.tokens.get('a', ''))?.record).toEqual(record);
    });

    it('listDue returns valid tokens due by `before` whose back-off ended by `now`, the soonest to expire first, up to the limit', async () => {
      // Refresh times and expiry times are in different orders: the most urgent comes first.
      await saveToken(store, 'a', 'due-late', { refreshAt: at(300), expiresAt: at(3000) });
      await saveToken(store, 'a', 'due-early', { refreshAt: at(100), expiresAt: at(3500) });
      await saveToken(store, 'b', 'due-tie', { refreshAt: at(100), expiresAt: at(3500) });
      await saveToken(store, 'a', 'not-yet', { refreshAt: at(501), expiresAt: at(600) });
      await saveToken(store, 'a', 'reauth', { refreshAt: at(0), state: 'needs-reauthorization' });
      await saveToken(store, 'a', 'backing-off', { refreshAt: at(0), expiresAt: at(3600), nextAttemptAt: at(401) });
      await saveToken(store, 'a', 'back-off-over', { refreshAt: at(200), expiresAt: at(2000), nextAttemptAt: at(400) });
      const due = async (before: number, now: number, limit = 10) =>
        (await store.tokens.listDue(at(before), at(now), limit)).map((record) => `${record.linkId}/${record.subject}`);
      expect(await due(500, 400)).toEqual(['a/back-off-over', 'a/due-late', 'a/due-early', 'b/due-tie']);
      expect(await due(500, 400, 2)).toEqual(['a/back-off-over', 'a/due-late']);
      expect(await due(500, 401)).toEqual(['a/back-off-over', 'a/due-late', 'a/due-early', 'b/due-tie', 'a/backing-off']);
      expect(await due(99, 1000)).toEqual(['a/backing-off']);
      expect((await store.tokens.listDue(at(100), at(100), 10))[0]).toEqual(tokenRecord('a', 'due-early', { refreshAt: at(100), expiresAt: at(3500) }));
    });

    it('listDue refuses bounds that are not toISOString() text and a limit that is not a positive integer', async () => {
      await expect(store.tokens.listDue('2025-03-01', at(0), 10)).rejects.toThrow(TypeError);
      await expect(store.tokens.listDue(at(0), 'now', 10)).rejects.toThrow(TypeError);
      await expect(store.tokens.listDue(at(0), at(0), 0)).rejects.toThrow(RangeError);
    });

    it('listForLink returns the link\'s credentials in subject order and no other link\'s', async () => {
      await saveToken(store, 'a', 'user-2');
      await saveToken(store, 'b', 'user-1');
      await saveToken(store, 'a', '');
      await saveToken(store, 'a', 'user-1');
      expect((await store.tokens.listForLink('a')).map((record) => record.subject)).toEqual(['', 'user-1', 'user-2']);
      expect(await store.tokens.listForLink('b')).toEqual([tokenRecord('b', 'user-1')]);
      expect(await store.tokens.listForLink('missing')).toEqual([]);
    });

    it('tally gives each listed link its own credential and a count of its users\' credentials, leaving out links without any', async () => {
      await saveToken(store, 'a', '', { expiresAt: at(900) });
      await saveToken(store, 'a', 'user-1', { expiresAt: at(700) });
      await saveToken(store, 'a', 'user-2', { expiresAt: at(500) });
      await saveToken(store, 'a', 'user-3', { expiresAt: at(100), state: 'needs-reauthorization' });
      await saveToken(store, 'b', 'user-1', { state: 'needs-reauthorization' });
      const tallies = await store.tokens.tally(['a', 'b', 'missing']);
      expect([...tallies.keys()].sort()).toEqual(['a', 'b']);
      expect(tallies.get('a')).toEqual({ own: tokenRecord('a', '', { expiresAt: at(900) }), users: 3, usersNeedingReauthorization: 1, soonestUserExpiry: at(500) });
      expect(tallies.get('b')).toEqual({ own: null, users: 1, usersNeedingReauthorization: 1, soonestUserExpiry: null });
      expect(await store.tokens.tally(['b'])).toEqual(new Map([['b', tallies.get('b')]]));
      expect(await store.tokens.tally([])).toEqual(new Map());
    });

    it('links.exist says which of the ids are links', async () => {
      expect(await store.links.exist(['a', 'missing', 'b', 'a'])).toEqual(new Set(['a', 'b']));
      expect(await store.links.exist(['missing'])).toEqual(new Set());
      expect(await store.links.exist([])).toEqual(new Set());
    });

    it('delete removes one credential and its sealed tokens, and says whether there was one', async () => {
      await saveToken(store, 'a', 'user-1');
      await saveToken(store, 'a', 'user-2');
      expect(await store.tokens.delete('a', 'user-1')).toBe(true);
      expect(await store.tokens.delete('a', 'user-1')).toBe(false);
      expect(await store.tokens.get('a', 'user-1')).toBeUndefined();
      expect(await store.secrets.get(tokenOwnerId('a', 'user-1'), ACCESS_TOKEN_FIELD)).toBeUndefined();
      expect(await store.secrets.get(tokenOwnerId('a', 'user-1'), REFRESH_TOKEN_FIELD)).toBeUndefined();
      expect(await store.tokens.get('a', 'user-2')).toBeDefined();
    });

    it('countByState counts credentials per state, with zero for a state no credential is in', async () => {
      expect(await store.tokens.countByState()).toEqual({ valid: 0, 'needs-reauthorization': 0 });
      await saveToken(store, 'a', 'u1');
      await saveToken(store, 'a', 'u2');
      await saveToken(store, 'b', 'u1', { state: 'needs-reauthorization' });
      expect(await store.tokens.countByState()).toEqual({ valid: 2, 'needs-reauthorization': 1 });
    });

    it('sealed tokens are re-wrapped by key rotation like any secret: listed below a newer version, swapped by compareAndSwap', async () => {
      await saveToken(store, 'a', '', {}, 'old');
      await store.vaultKeys.insert(vaultKey(2));
      const rows = await store.secrets.listBelowKeyVersion(2, 10);
      expect(rows.map((row) => `${row.ownerId}/${row.field}`)).toEqual([`${tokenOwnerId('a', '')}/${ACCESS_TOKEN_FIELD}`, `${tokenOwnerId('a', '')}/${REFRESH_TOKEN_FIELD}`]);
      for (const row of rows) expect(await store.secrets.compareAndSwap(row.ownerId, row.field, row.ciphertext, sealed(2, `${row.field}-rewrapped`))).toBe(true);
      expect(await store.tokens.get('a', '')).toMatchObject({ accessToken: sealed(2, 'accessToken-rewrapped'), refreshToken: sealed(2, 'refreshToken-rewrapped') });
      expect(await store.vaultKeys.deleteUnreferencedBelow(2)).toEqual([1]);
    });
  });

  describe('token locks', () => {
    beforeEach(async () => {
      await store.vaultKeys.insert(vaultKey(1));
      await store.links.create(link('a'));
      await saveToken(store, 'a');
    });

    it('20 concurrent withLock calls that read, yield and write a counter end with exactly 20, each having read a different value', async () => {
      const seen = await Promise.all(Array.from({ length: 20 }, () => increment(store)));
      expect((await store.tokens.get('a', ''))?.record.failureCount).toBe(20);
      expect([...seen].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    });

    it('withLock with wait:false reports not acquired while another holder runs, and acquires once it is released', async () => {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let entered!: () => void;
      const inside = new Promise<void>((resolve) => (entered = resolve));
      const holder = store.tokens.withLock('a', '', { wait: true }, async () => {
        entered();
        await held;
        return 'holder';
      });
      await inside;
      let ran = false;
      try {
        expect(await store.tokens.withLock('a', '', { wait: false }, async () => (ran = true))).toEqual({ acquired: false });
        expect(ran).toBe(false);
      } finally {
        release();
      }
      expect(await holder).toEqual({ acquired: true, value: 'holder' });
      expect(await store.tokens.withLock('a', '', { wait: false }, async () => 'second')).toEqual({ acquired: true, value: 'second' });
    });

    it('a waiting withLock runs after the holder is done, not beside it', async () => {
      const events: string[] = [];
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const first = store.tokens.withLock('a', '', { wait: true }, async () => {
        events.push('first in');
        await held;
        events.push('first out');
      });
      await tick(20);
      const second = store.tokens.withLock('a', '', { wait: true }, async () => {
        events.push('second in');
      });
      try {
        await tick(50);
        expect(events).toEqual(['first in']);
      } finally {
        release();
      }
      await Promise.all([first, second]);
      expect(events).toEqual(['first in', 'first out', 'second in']);
    });

    it('locks of different credentials do not exclude each other', async () => {
      await store.links.create(link('b'));
      await saveToken(store, 'b');
      // Each holder waits for the other to be inside: only possible if both hold their lock at once.
      let aInside!: () => void;
      let bInside!: () => void;
      const aIn = new Promise<void>((resolve) => (aInside = resolve));
      const bIn = new Promise<void>((resolve) => (bInside = resolve));
      const both = Promise.all([
        store.tokens.withLock('a', '', { wait: true }, async () => (aInside(), await bIn, 'a')),
        store.tokens.withLock('b', '', { wait: true }, async () => (bInside(), await aIn, 'b')),
        store.tokens.withLock('a', 'user-1', { wait: false }, async () => 'a/user-1'),
      ]);
      expect(await settlesWithin(both, 5_000)).toBe(true);
      expect(await both).toEqual([
        { acquired: true, value: 'a' },
        { acquired: true, value: 'b' },
        { acquired: true, value: 'a/user-1' },
      ]);
    });

    it('withLock returns what work returns; what work throws comes back as thrown, and the lock is released', async () => {
      const failure = new Error('work failed');
      expect(await rejection(store.tokens.withLock('a', '', { wait: true }, async () => Promise.reject(failure)))).toBe(failure);
      // An error that looks like a driver's (a network code) is work's own: it is not turned into a StoreError.
      const network = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      expect(await rejection(store.tokens.withLock('a', '', { wait: true }, async () => Promise.reject(network)))).toBe(network);
      expect(await store.tokens.withLock('a', '', { wait: false }, async () => 42)).toEqual({ acquired: true, value: 42 });
    });

    it('the access given to work reads and writes the credential, and is refused once work has settled', async () => {
      let leaked: TokenAccess | undefined;
      const result = await store.tokens.withLock('a', '', { wait: true }, async (access) => {
        leaked = access;
        const current = await access.get('a', '');
        const next = tokenRecord('a', '', { updatedAt: at(10), hasRefreshToken: false });
        await access.save(next, tokenSecrets('locked', { refresh: false }));
        return current?.record.updatedAt;
      });
      expect(result).toEqual({ acquired: true, value: at(0) });
      expect(await store.tokens.get('a', '')).toEqual({ record: tokenRecord('a', '', { updatedAt: at(10), hasRefreshToken: false }), accessToken: sealed(1, 'at-locked'), refreshToken: null });
      await expect(leaked!.get('a', '')).rejects.toThrow(/after its work settled/);
      await expect(leaked!.saveRecord(tokenRecord('a'))).rejects.toThrow(/after its work settled/);
    });
  });

  describe('token changes', () => {
    beforeEach(async () => {
      await store.vaultKeys.insert(vaultKey(1));
      await store.links.create(link('a'));
    });

    it('a save calls each listener once with the credential; unsubscribe stops it', async () => {
      const first = recordChanges(store);
      const second = recordChanges(store);
      await saveToken(store, 'a', 'user-1');
      await tick(300);
      expect(first.changes).toEqual(['a/user-1']);
      expect(second.changes).toEqual(['a/user-1']);
      first.stop();
      first.stop();
      await saveToken(store, 'a', '');
      await tick(300);
      expect(first.changes).toEqual(['a/user-1']);
      expect(second.changes).toEqual(['a/user-1', 'a/']);
      second.stop();
    });

    it('removing a credential, or its link, is announced; a metadata-only saveRecord is not', async () => {
      const record = await saveToken(store, 'a', 'user-1');
      await saveToken(store, 'a', 'user-2');
      const { changes, stop } = recordChanges(store);
      await store.tokens.saveRecord({ ...record, failureCount: 1 });
      expect(await store.tokens.delete('a', 'user-1')).toBe(true);
      expect(await store.tokens.delete('a', 'user-1')).toBe(false);
      await store.links.delete('a');
      await tick(300);
      expect(changes).toEqual(['a/user-1', 'a/user-2']);
      stop();
    });

    it('a listener that throws fails neither the save nor the other listeners', async () => {
      const unsubscribe = store.tokens.onChange(() => {
        throw new Error('listener bug');
      });
      const { changes, stop } = recordChanges(store);
      await expect(saveToken(store, 'a')).resolves.toBeDefined();
      expect(changes).toEqual(['a/']);
      unsubscribe();
      stop();
    });
  });

  describe('authorization requests', () => {
    beforeEach(async () => {
      await store.vaultKeys.insert(vaultKey(1));
      await store.links.create(link('a'));
    });

    it('consume of a fresh request gives it marked used at `now` with its verifier, and deletes the verifier', async () => {
      await store.authStates.create(authState('s1'), sealed(1, 'verifier'));
      expect(await store.secrets.get(authStateOwnerId('s1'), CODE_VERIFIER_FIELD)).toEqual(sealed(1, 'verifier'));
      expect(await store.authStates.consume('s1', at(60))).toEqual({
        outcome: 'consumed',
        record: authState('s1', 'a', { usedAt: at(60) }),
        codeVerifier: sealed(1, 'verifier'),
      });
      expect(await store.secrets.get(authStateOwnerId('s1'), CODE_VERIFIER_FIELD)).toBeUndefined();
    });

    it('a second consume of the same request is replayed, with the record, even after it expired', async () => {
      await store.authStates.create(authState('s1'), sealed(1, 'verifier'));
      await store.authStates.consume('s1', at(60));
      const used = authState('s1', 'a', { usedAt: at(60) });
      expect(await store.authStates.consume('s1', at(61))).toEqual({ outcome: 'replayed', record: used });
      expect(await store.authStates.consume('s1', at(6000))).toEqual({ outcome: 'replayed', record: used });
    });

    it('consume at or after expiresAt is expired and leaves the request unused', async () => {
      await store.authStates.create(authState('s1'), sealed(1, 'verifier'));
      expect(await store.authStates.consume('s1', at(600))).toEqual({ outcome: 'expired', record: authState('s1') });
      expect(await store.authStates.consume('s1', at(601))).toEqual({ outcome: 'expired', record: authState('s1') });
      expect(await store.authStates.consume('s1', at(599))).toMatchObject({ outcome: 'consumed' });
    });

    it('consume of an id never stored is unknown', async () => {
      expect(await store.authStates.consume('never', at(0))).toEqual({ outcome: 'unknown' });
    });

    it('of 20 concurrent consumes of one request exactly one gets the verifier, the others are replayed', async () => {
      await store.authStates.create(authState('s1'), sealed(1, 'verifier'));
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.authStates.consume('s1', at(10 + i))));
      expect(results.filter((result) => result.outcome === 'consumed')).toHaveLength(1);
      expect(results.filter((result) => result.outcome === 'replayed')).toHaveLength(19);
    });

    it('create refuses a duplicate id (ALREADY_EXISTS), a link that does not exist (NOT_FOUND) and a stale key version (STALE_KEY_VERSION), storing nothing', async () => {
      await store.authStates.create(authState('s1'), sealed(1, 'first'));
      await expectStoreError(store.authStates.create(authState('s1'), sealed(1, 'second')), 'ALREADY_EXISTS');
      expect(await store.secrets.get(authStateOwnerId('s1'), CODE_VERIFIER_FIELD)).toEqual(sealed(1, 'first'));
      await expectStoreError(store.authStates.create(authState('s2', 'ghost'), sealed(1, 'v')), 'NOT_FOUND');
      await expectStoreError(store.authStates.create(authState('s3'), sealed(7, 'v')), 'STALE_KEY_VERSION');
      expect(await store.authStates.consume('s2', at(1))).toEqual({ outcome: 'unknown' });
      expect(await store.authStates.consume('s3', at(1))).toEqual({ outcome: 'unknown' });
      expect(await store.secrets.countByKeyVersion()).toEqual(new Map([[1, 1]]));
    });

    it('create and consume refuse timestamps that are not toISOString() text', async () => {
      await expect(store.authStates.create(authState('s1', 'a', { expiresAt: 'tomorrow' }), sealed(1, 'v'))).rejects.toThrow(TypeError);
      await expect(store.authStates.consume('s1', '2025-03-01')).rejects.toThrow(TypeError);
    });

    it('purge removes the requests created before the bound, used or not, with their verifiers, and counts them', async () => {
      await store.authStates.create(authState('old-used', 'a', { createdAt: at(0) }), sealed(1, 'v1'));
      await store.authStates.create(authState('old-unused', 'a', { createdAt: at(10) }), sealed(1, 'v2'));
      await store.authStates.create(authState('new', 'a', { createdAt: at(20) }), sealed(1, 'v3'));
      await store.authStates.consume('old-used', at(30));
      expect(await store.authStates.purge(at(20))).toBe(2);
      expect(await store.authStates.consume('old-used', at(40))).toEqual({ outcome: 'unknown' });
      expect(await store.authStates.consume('old-unused', at(40))).toEqual({ outcome: 'unknown' });
      expect(await store.secrets.get(authStateOwnerId('old-unused'), CODE_VERIFIER_FIELD)).toBeUndefined();
      expect(await store.secrets.get(authStateOwnerId('new'), CODE_VERIFIER_FIELD)).toEqual(sealed(1, 'v3'));
      expect(await store.authStates.purge(at(20))).toBe(0);
    });
  });

  describe('consumers', () => {
    it('create then get returns the record exactly as written; get of an id never stored is undefined', async () => {
      const record = consumer('c1', at(5), { linkIds: [] });
      await store.consumers.create(record);
      expect(await store.consumers.get('c1')).toEqual(record);
      expect(await store.consumers.get('missing')).toBeUndefined();
    });

    it('list returns every consumer in (createdAt, id) order', async () => {
      await store.consumers.create(consumer('c', at(1)));
      await store.consumers.create(consumer('b', at(2)));
      await store.consumers.create(consumer('a', at(1)));
      expect((await store.consumers.list()).map((record) => record.id)).toEqual(['a', 'c', 'b']);
      expect((await store.consumers.list())[0]).toEqual(consumer('a', at(1)));
    });

    it('create with an id already taken fails with ALREADY_EXISTS and keeps the first', async () => {
      await store.consumers.create(consumer('c1'));
      await expectStoreError(store.consumers.create(consumer('c1', at(1), { name: 'Other' })), 'ALREADY_EXISTS');
      expect((await store.consumers.get('c1'))?.name).toBe('Consumer c1');
    });

    it('delete removes a consumer and says whether there was one', async () => {
      await store.consumers.create(consumer('c1'));
      expect(await store.consumers.delete('c1')).toBe(true);
      expect(await store.consumers.delete('c1')).toBe(false);
      expect(await store.consumers.list()).toEqual([]);
    });

    it('create refuses a key hash that is not a lower-case hex SHA-256, before touching the database', async () => {
      for (const keyHash of ['', 'A'.repeat(64), 'a'.repeat(63), 'alc_the-api-key-itself']) {
        const error = await rejection(store.consumers.create(consumer('c1', at(0), { keyHash })));
        expect(error).toBeInstanceOf(TypeError);
        expect((error as Error).message).not.toContain('alc_');
      }
      expect(await store.consumers.list()).toEqual([]);
    });
  });

  describe('link deletion', () => {
    it('deleting a link also removes its credentials with their sealed tokens and its authorization requests with their verifiers, and nobody else\'s', async () => {
      await store.vaultKeys.insert(vaultKey(1));
      await store.links.create(link('a'), { put: [{ field: 'clientSecret', sealed: sealed(1, 'cs-a') }] });
      await store.links.create(link('b'), { put: [{ field: 'clientSecret', sealed: sealed(1, 'cs-b') }] });
      for (const linkId of ['a', 'b']) {
        await saveToken(store, linkId, '');
        await saveToken(store, linkId, 'user-1');
        await store.authStates.create(authState(`pending-${linkId}`, linkId), sealed(1, `v-${linkId}`));
      }
      await store.authStates.create(authState('used-a', 'a'), sealed(1, 'v'));
      await store.authStates.consume('used-a', at(1));

      expect(await store.links.delete('a')).toBe(true);

      expect(await store.tokens.listForLink('a')).toEqual([]);
      expect(await store.tokens.get('a', '')).toBeUndefined();
      for (const subject of ['', 'user-1']) {
        expect(await store.secrets.get(tokenOwnerId('a', subject), ACCESS_TOKEN_FIELD)).toBeUndefined();
        expect(await store.secrets.get(tokenOwnerId('a', subject), REFRESH_TOKEN_FIELD)).toBeUndefined();
      }
      expect(await store.authStates.consume('pending-a', at(2))).toEqual({ outcome: 'unknown' });
      expect(await store.authStates.consume('used-a', at(2))).toEqual({ outcome: 'unknown' });
      expect(await store.secrets.get(authStateOwnerId('pending-a'), CODE_VERIFIER_FIELD)).toBeUndefined();
      expect(await db.rawCount("SELECT count(*) FROM tokens WHERE link_id = 'a'")).toBe(0);
      expect(await db.rawCount("SELECT count(*) FROM auth_states WHERE link_id = 'a'")).toBe(0);

      // Link b: its secret, two credentials (two tokens each) and one verifier are all still there.
      expect(await store.tokens.listForLink('b')).toHaveLength(2);
      expect(await store.authStates.consume('pending-b', at(2))).toMatchObject({ outcome: 'consumed', codeVerifier: sealed(1, 'v-b') });
      expect(await store.secrets.countByKeyVersion()).toEqual(new Map([[1, 5]]));
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
      await expectStoreError(store.tokens.withLock('a', '', { wait: true }, async () => undefined), 'UNAVAILABLE');
      expect(() => store.tokens.onChange(() => undefined)).toThrow(StoreError);
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

describe('postgres store across replicas', () => {
  let database: TestDatabase;
  let stores: Store[];
  /** One more replica on the database, as another connector process would open it. */
  const replica = (options: Partial<PostgresStoreOptions> = {}): Store => {
    const store = createPostgresStore({ connectionString: database.url, poolSize: 4, ...options });
    stores.push(store);
    return store;
  };
  const sqlCount = async (text: string): Promise<number> => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      return Number(Object.values((await client.query(text)).rows[0] ?? {})[0]);
    } finally {
      await client.end();
    }
  };
  /** Sessions LISTENing for token changes (their last statement was the LISTEN, and it finished). */
  const listeningSessions = () =>
    sqlCount(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle' AND query = 'LISTEN ${TOKEN_CHANNEL}'`);

  let a: Store;
  let b: Store;

  beforeEach(async () => {
    database = await createTestDatabase();
    stores = [];
    a = replica();
    b = replica();
    await a.migrate();
    await a.vaultKeys.insert(vaultKey(1));
    await a.links.create(link('a'));
    await saveToken(a, 'a');
  });

  afterEach(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await database.drop();
  });

  it('withLock excludes across two replicas: 20 concurrent read-yield-write increments split over them end with exactly 20', async () => {
    const seen = await Promise.all(Array.from({ length: 20 }, (_, i) => increment(i % 2 === 0 ? a : b)));
    expect((await a.tokens.get('a', ''))?.record.failureCount).toBe(20);
    expect([...seen].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('withLock with wait:false on one replica reports not acquired while the other replica holds the lock', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const holder = a.tokens.withLock('a', '', { wait: true }, async () => (entered(), await held, 'a'));
    await inside;
    let waiter: Promise<unknown> | undefined;
    try {
      // Asked before b has any caller of its own queued, so the answer comes from PostgreSQL.
      expect(await b.tokens.withLock('a', '', { wait: false }, async () => 'b')).toEqual({ acquired: false });
      waiter = b.tokens.withLock('a', '', { wait: true }, async () => 'b waited');
      expect(await settlesWithin(waiter, 200)).toBe(false);
    } finally {
      release();
    }
    expect(await holder).toEqual({ acquired: true, value: 'a' });
    expect(await waiter).toEqual({ acquired: true, value: 'b waited' });
  });

  it('a throw inside withLock rolls back everything work wrote, tokens and record alike', async () => {
    const before = await a.tokens.get('a', '');
    const failure = new Error('the provider answered nonsense');
    const error = await rejection(
      a.tokens.withLock('a', '', { wait: true }, async (access) => {
        await access.save(tokenRecord('a', '', { updatedAt: at(99), hasRefreshToken: false }), tokenSecrets('lost', { refresh: false }));
        await access.saveRecord(tokenRecord('a', '', { updatedAt: at(100), hasRefreshToken: false, failureCount: 7 }));
        // Inside the transaction the writes are visible; outside they are not.
        expect((await access.get('a', ''))?.record.failureCount).toBe(7);
        expect(await b.tokens.get('a', '')).toEqual(before);
        throw failure;
      }),
    );
    expect(error).toBe(failure);
    expect(await b.tokens.get('a', '')).toEqual(before);
  });

  it('a save that fails inside withLock (STALE_KEY_VERSION) is undone on its own, and work can go on and commit', async () => {
    const result = await a.tokens.withLock('a', '', { wait: true }, async (access) => {
      await expectStoreError(access.save(tokenRecord('a', '', { updatedAt: at(50) }), tokenSecrets('stale', { keyVersion: 9 })), 'STALE_KEY_VERSION');
      await expectStoreError(access.saveRecord(tokenRecord('a', 'nobody')), 'NOT_FOUND');
      await access.saveRecord(tokenRecord('a', '', { failureCount: 1, lastErrorCode: 'STALE' }));
      return 'done';
    });
    expect(result).toEqual({ acquired: true, value: 'done' });
    expect(await b.tokens.get('a', '')).toEqual({ record: tokenRecord('a', '', { failureCount: 1, lastErrorCode: 'STALE' }), ...tokenSecrets('x') });
  });

  it('a save through one replica reaches a listener on another within a second; the writer\'s own listener hears it once', async () => {
    const onA = recordChanges(a);
    const onB = recordChanges(b);
    // Both replicas' listening connections are up: from here on, a notification cannot be missed.
    await eventually(async () => (await listeningSessions()) === 2, 5_000, 'two listening sessions');
    const started = Date.now();
    await saveToken(a, 'a', 'user-1');
    await eventually(() => onB.changes.length > 0, 1_000, 'the change reaching replica b');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(onB.changes).toEqual(['a/user-1']);
    // Long enough for PostgreSQL to have echoed a's own notification back to a.
    await tick(300);
    expect(onA.changes).toEqual(['a/user-1']);
    expect(onB.changes).toEqual(['a/user-1']);

    onB.stop();
    await saveToken(b, 'a', 'user-2');
    await eventually(() => onA.changes.length === 2, 1_000, 'the change reaching replica a');
    await tick(300);
    expect(onA.changes).toEqual(['a/user-1', 'a/user-2']);
    expect(onB.changes).toEqual(['a/user-1']);
    onA.stop();
  });

  it('changes made inside withLock are announced when its transaction commits, and not at all when it rolls back', async () => {
    const onA = recordChanges(a);
    const onB = recordChanges(b);
    await eventually(async () => (await listeningSessions()) === 2, 5_000, 'two listening sessions');
    await rejection(
      a.tokens.withLock('a', '', { wait: true }, async (access) => {
        await access.save(tokenRecord('a'), tokenSecrets('rolled-back'));
        throw new Error('abandon');
      }),
    );
    await a.tokens.withLock('a', '', { wait: true }, async (access) => {
      await access.save(tokenRecord('a', '', { updatedAt: at(5) }), tokenSecrets('committed'));
      await tick(300);
      expect(onA.changes).toEqual([]);
      expect(onB.changes).toEqual([]);
    });
    expect(onA.changes).toEqual(['a/']);
    await eventually(() => onB.changes.length > 0, 1_000, 'the change reaching replica b');
    await tick(300);
    expect(onB.changes).toEqual(['a/']);
    onA.stop();
    onB.stop();
  });

  it('the listening connection comes back after the server drops it, and reports the drop', async () => {
    const backgroundErrors: unknown[] = [];
    const listener = replica({ onBackgroundError: (error) => backgroundErrors.push(error) });
    const heard = recordChanges(listener);
    await eventually(async () => (await listeningSessions()) === 1, 5_000, 'a listening session');
    await sqlCount(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN ${TOKEN_CHANNEL}'`);
    await eventually(() => backgroundErrors.length > 0, 5_000, 'the drop being reported');
    expect(backgroundErrors[0]).toBeInstanceOf(StoreError);
    expect((backgroundErrors[0] as StoreError).code).toBe('UNAVAILABLE');
    await eventually(async () => (await listeningSessions()) === 1, 10_000, 'the listening session coming back');
    await saveToken(a, 'a', 'after-reconnect');
    await eventually(() => heard.changes.includes('a/after-reconnect'), 1_000, 'the change reaching the reconnected listener');
    heard.stop();
  });

  it('a listener that throws is reported through onBackgroundError', async () => {
    const backgroundErrors: unknown[] = [];
    const store = replica({ onBackgroundError: (error) => backgroundErrors.push(error) });
    const bug = new Error('listener bug');
    const stop = store.tokens.onChange(() => {
      throw bug;
    });
    await saveToken(store, 'a', 'user-1');
    expect(backgroundErrors).toEqual([bug]);
    stop();
  });

  it('of 20 concurrent consumes of one request across two replicas exactly one gets the verifier', async () => {
    await a.authStates.create(authState('s1'), sealed(1, 'verifier'));
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).authStates.consume('s1', at(10 + i))));
    const consumed = results.filter((result) => result.outcome === 'consumed');
    expect(consumed).toHaveLength(1);
    expect(consumed[0]).toMatchObject({ codeVerifier: sealed(1, 'verifier') });
    expect(results.filter((result) => result.outcome === 'replayed')).toHaveLength(19);
  });

  it('deleting a link waits for a token save still in its lock\'s transaction, then removes what it wrote', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let saved!: () => void;
    const didSave = new Promise<void>((resolve) => (saved = resolve));
    const holder = a.tokens.withLock('a', 'user-1', { wait: true }, async (access) => {
      await access.save(tokenRecord('a', 'user-1'), tokenSecrets('in-flight'));
      saved();
      await held;
    });
    await didSave;
    const deletion = b.links.delete('a');
    try {
      expect(await settlesWithin(deletion, 300)).toBe(false);
    } finally {
      release();
    }
    await holder;
    expect(await deletion).toBe(true);
    expect(await a.tokens.listForLink('a')).toEqual([]);
    expect(await a.secrets.countByKeyVersion()).toEqual(new Map());
  });

  it('work under the lock can update its link through the pool after saving tokens, even with a deletion of the link queued behind it', async () => {
    // The service's own sequence: save the new tokens, then mark the link connected. The save holds
    // the link row in KEY SHARE until commit; an update must not wait for that (it would wait for itself).
    const record = link('a');
    let deletion: Promise<boolean> | undefined;
    const result = await a.tokens.withLock('a', '', { wait: true }, async (access) => {
      await access.save(tokenRecord('a', '', { updatedAt: at(5) }), tokenSecrets('new'));
      deletion = b.links.delete('a');
      await tick(100);
      const update = a.links.update(next(record, { status: 'connected' }), 1);
      return settlesWithin(update, 2_000);
    });
    expect(result).toEqual({ acquired: true, value: true });
    expect(await deletion).toBe(true);
    expect(await a.tokens.get('a', '')).toBeUndefined();
    expect(await a.secrets.countByKeyVersion()).toEqual(new Map());
  });

  it('a token save under the lock for a link deleted meanwhile fails with NOT_FOUND and leaves nothing behind', async () => {
    const result = await a.tokens.withLock('a', 'user-1', { wait: true }, async (access) => {
      expect(await b.links.delete('a')).toBe(true);
      await expectStoreError(access.save(tokenRecord('a', 'user-1'), tokenSecrets('late')), 'NOT_FOUND');
      return 'gave up';
    });
    expect(result).toEqual({ acquired: true, value: 'gave up' });
    expect(await a.secrets.countByKeyVersion()).toEqual(new Map());
    expect(await sqlCount('SELECT count(*) FROM tokens')).toBe(0);
  });
});
