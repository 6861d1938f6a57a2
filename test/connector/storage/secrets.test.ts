/**
 * Storage conformance for sealed secrets: put, get, compare-and-swap and listing by key version.
 * Every case runs on SQLite and on PostgreSQL (`describe.each(BACKENDS)`).
 */
import { type Store } from '../../../connector/src/storage';
import { BACKENDS, type StoreDatabase } from './backends';
import { expectStoreError, sealed, vaultKey } from './fixtures';

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
});
