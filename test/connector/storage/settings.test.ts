/**
 * Storage conformance for named JSON settings.
 * Every case runs on SQLite and on PostgreSQL (`describe.each(BACKENDS)`).
 */
import { type Store } from '../../../connector/src/storage';
import { BACKENDS, type StoreDatabase } from './backends';
import { at } from './fixtures';

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
});
