/**
 * Storage conformance for wrapped data keys: insert, re-wrap all, retire unreferenced ones.
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
});
