/**
 * Storage conformance for pending authorization requests (single-use consume, expiry, purge).
 * Every case runs on SQLite and on PostgreSQL (`describe.each(BACKENDS)`).
 */
import { authStateOwnerId, CODE_VERIFIER_FIELD, type Store } from '../../../connector/src/storage';
import { BACKENDS, type StoreDatabase } from './backends';
import { at, authState, expectStoreError, link, sealed, vaultKey } from './fixtures';

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
});
