/**
 * Storage conformance for token changes announced to listeners.
 * Every case runs on SQLite and on PostgreSQL (`describe.each(BACKENDS)`).
 */
import { type Store } from '../../../connector/src/storage';
import { BACKENDS, type StoreDatabase } from './backends';
import { link, recordChanges, saveToken, tick, vaultKey } from './fixtures';

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
});
