/**
 * Storage conformance for per-user connections (who each user is on the remote), on SQLite and
 * PostgreSQL: one store of rows joined with the credential's state, paged by account id.
 */
import type { Store, UserConnectionRecord } from '../../../connector/src/storage';
import { BACKENDS, type StoreDatabase } from './backends';
import { at, expectStoreError, link, saveToken, vaultKey } from './fixtures';

const connection = (linkId: string, subject: string, changes: Partial<UserConnectionRecord> = {}): UserConnectionRecord => ({
  linkId,
  subject,
  remoteUsername: `${subject}-dc`,
  remoteDisplayName: null,
  connectedAt: at(1),
  disconnectedAt: null,
  disconnectedBy: null,
  ...changes,
});

describe.each(BACKENDS)('$name store', (backend) => {
  let db: StoreDatabase;
  let store: Store;

  beforeAll(async () => {
    db = await backend.prepare();
    store = db.open();
    await store.migrate();
    await store.vaultKeys.insert(vaultKey(1));
    await store.links.create(link('a'));
    await store.links.create(link('b'));
  });

  afterAll(async () => {
    await db.cleanup();
  });

  it('keeps a connection beside its credential, pages the connected ones by account id, and finds one by remote name', async () => {
    for (const subject of ['u3', 'u1', 'u2', 'gone']) await store.userConnections.put(connection('a', subject));
    await store.userConnections.put(connection('a', 'gone', { disconnectedAt: at(9), disconnectedBy: 'user' }));
    await saveToken(store, 'a', 'u1', { state: 'needs-reauthorization', expiresAt: at(3600) });
    const first = await store.userConnections.list('a', { limit: 2 });
    expect(first.items.map((v) => [v.subject, v.token?.state ?? null])).toEqual([
      ['u1', 'needs-reauthorization'],
      ['u2', null],
    ]);
    const second = await store.userConnections.list('a', { limit: 2, cursor: first.nextCursor! });
    expect([second.items.map((v) => v.subject), second.nextCursor]).toEqual([['u3'], null]);
    expect((await store.userConnections.findByRemoteUsername('a', 'u2-dc'))?.subject).toBe('u2');
    expect(await store.userConnections.findByRemoteUsername('b', 'u2-dc')).toBeUndefined();
    expect((await store.userConnections.get('a', 'gone'))).toMatchObject({ disconnectedAt: at(9), disconnectedBy: 'user', token: null });
    const forU1 = await store.userConnections.forSubject('u1', ['a', 'b']);
    expect([...forU1.keys()]).toEqual(['a']);
    expect(forU1.get('a')!.token).toMatchObject({ state: 'needs-reauthorization', expiresAt: at(3600) });
  });

  it('refuses a connection to a link that does not exist, and forgets them all with their link', async () => {
    await expectStoreError(store.userConnections.put(connection('missing', 'u1')), 'NOT_FOUND');
    await store.userConnections.put(connection('b', 'u9'));
    expect(await store.links.delete('b')).toBe(true);
    expect(await store.userConnections.get('b', 'u9')).toBeUndefined();
  });
});
