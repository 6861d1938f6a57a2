/**
 * Storage conformance for migrations and the store's own lifecycle (ping, close).
 * Every case runs on SQLite and on PostgreSQL (`describe.each(BACKENDS)`).
 */
import { type Store, StoreError } from '../../../connector/src/storage';
import { BACKENDS, type StoreDatabase } from './backends';
import { expectStoreError, link, sealed, vaultKey } from './fixtures';

describe.each(BACKENDS)('$name store', (backend) => {
  let db: StoreDatabase;
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
