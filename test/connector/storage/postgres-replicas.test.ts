/** Storage: postgreSQL with several replicas on one database. */
import pg from 'pg';
import { createPostgresStore, type PostgresStoreOptions, type Store, StoreError } from '../../../connector/src/storage';
import { TOKEN_CHANNEL } from '../../../connector/src/storage/postgres/change-feed';
import { createTestDatabase, type TestDatabase } from '../../helpers/postgres';
import {
  at,
  authState,
  eventually,
  expectStoreError,
  increment,
  link,
  next,
  recordChanges,
  rejection,
  saveToken,
  sealed,
  settlesWithin,
  tick,
  tokenRecord,
  tokenSecrets,
  vaultKey,
} from './fixtures';

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

  it('a save through one replica reaches a listener on another; the writer\'s own listener hears it once', async () => {
    const onA = recordChanges(a);
    const onB = recordChanges(b);
    // Both replicas' listening connections are up: from here on, a notification cannot be missed.
    await eventually(async () => (await listeningSessions()) === 2, 5_000, 'two listening sessions');
    await saveToken(a, 'a', 'user-1');
    // Delivery is by LISTEN/NOTIFY, in milliseconds; the wait is generous so that a busy machine
    // cannot fail it. What is asserted is that it arrives, once, with the right key.
    await eventually(() => onB.changes.length > 0, 10_000, 'the change reaching replica b');
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
