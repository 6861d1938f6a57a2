/**
 * Storage conformance for links: create, read, list with cursors, optimistic updates, and deleting a link with everything it owns.
 * Every case runs on SQLite and on PostgreSQL (`describe.each(BACKENDS)`).
 */
import {
  ACCESS_TOKEN_FIELD,
  authStateOwnerId,
  CODE_VERIFIER_FIELD,
  REFRESH_TOKEN_FIELD,
  type LinkRecord,
  type Store,
  StoreError,
  tokenOwnerId,
} from '../../../connector/src/storage';
import { BACKENDS, type StoreDatabase } from './backends';
import { allPages, at, authState, expectStoreError, link, next, saveToken, sealed, vaultKey } from './fixtures';

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

  describe('links', () => {
    it('create then get returns the record exactly as written', async () => {
      const record = link('a', at(5), { displayUrl: 'https://jira.example.com/display', statusReason: 'why', version: 7 });
      await store.links.create(record);
      expect(await store.links.get('a')).toEqual(record);
    });

    it.each([
      ['remoteKind', 'gitlab'],
      ['authKind', 'basic'],
      ['status', 'broken'],
    ])('a stored %s outside the contract\'s values (%s) is refused when read, never handed on as a string', async (field, value) => {
      await store.links.create(link('a'));
      await db.raw(
        backend.name === 'sqlite'
          ? `UPDATE links SET document = json_set(document, '$.${field}', '${value}')`
          : `UPDATE links SET document = jsonb_set(document, '{${field}}', '"${value}"')`,
      );
      await expect(store.links.get('a')).rejects.toThrow(new RegExp(`A row of links does not have the expected shape \\(document\\.${field}\\)`));
      // And the record check before writing refuses the same value.
      await expect(store.links.create(link('b', at(0), { [field]: value } as Partial<LinkRecord>))).rejects.toThrow(TypeError);
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
});
