/**
 * Storage conformance for consumers (DC-side programs) and their key hashes.
 * Every case runs on SQLite and on PostgreSQL (`describe.each(BACKENDS)`).
 */
import { type Store } from '../../../connector/src/storage';
import { BACKENDS, type StoreDatabase } from './backends';
import { at, consumer, expectStoreError, rejection } from './fixtures';

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
});
