/**
 * Storage conformance for credentials' tokens: save, read, due lists, tallies.
 * Every case runs on SQLite and on PostgreSQL (`describe.each(BACKENDS)`).
 */
import { ACCESS_TOKEN_FIELD, REFRESH_TOKEN_FIELD, type Store, tokenOwnerId } from '../../../connector/src/storage';
import { BACKENDS, type StoreDatabase } from './backends';
import { at, expectStoreError, link, saveToken, sealed, tokenRecord, tokenSecrets, vaultKey } from './fixtures';

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
});
