import { randomUUID } from 'node:crypto';
import type { LinkPage, LinkSummary } from '../../contract';
import type { LinkRecord } from '../../src/links/link-record';
import { KEYS } from '../../src/storage/keys';
import { chunkOf, LINK_INDEX_CHUNKS, LinkIndex, mergeChunks } from '../../src/storage/link-index';
import { LinkRepository, MAX_LINKS } from '../../src/storage/link-repository';
import { MemoryKeyValueStore, type StoreOperation } from '../../preview/memory-key-value-store';
import { startForgeApp, TestClock } from './helpers/forge-app';

function record(id: string, name: string, version = 1): LinkRecord {
  return {
    schemaVersion: 1,
    id,
    name,
    remoteKind: 'jira',
    applicationUrl: `https://${name.toLowerCase().replace(/\W+/g, '-')}.example.com`,
    displayUrl: null,
    authKind: 'oauth2',
    status: 'needs-configuration',
    statusReason: null,
    outgoing: { clientId: null, clientSecretFingerprint: null, scopes: ['READ'], grantType: 'authorization_code', redirectUri: null },
    incoming: null,
    manualSteps: {},
    lastTest: null,
    createdAt: '2026-03-01T10:00:00.000Z',
    createdBy: 'admin',
    updatedAt: '2026-03-01T10:00:00.000Z',
    updatedBy: 'admin',
    version,
  };
}

function summary(id: string, name = id): LinkSummary {
  return { id, name, remoteKind: 'jira', applicationUrl: 'https://x.example.com', status: 'connected', hasIncoming: false, updatedAt: '2026-03-01T10:00:00.000Z' };
}

/** Ids whose index entries share one chunk, to make writers collide. */
function idsInOneChunk(count: number): string[] {
  const ids: string[] = [];
  while (ids.length < count) {
    const id = randomUUID();
    if (chunkOf(id) === 0) ids.push(id);
  }
  return ids;
}

describe('link index', () => {
  it('lists 500 links through the resolver with two kvs queries and no link record read', async () => {
    const app = startForgeApp();
    const repository = new LinkRepository(app.store, app.clock.now);
    for (let i = 0; i < 500; i += 1) await repository.save(record(randomUUID(), `Link ${String(i).padStart(3, '0')}`));
    app.operations.length = 0;

    const first = await app.call<LinkPage>('listLinks', { limit: 100 });
    expect(first.total).toBe(500);
    expect(first.items[0]?.name).toBe('Link 000');
    expect(app.operations.map((o) => `${o.operation} ${o.key}`)).toEqual(['query link-index:', 'query link-index:']);

    let cursor = first.nextCursor;
    const names = first.items.map((l) => l.name);
    while (cursor !== null) {
      const page = await app.call<LinkPage>('listLinks', { limit: 100, cursor });
      names.push(...page.items.map((l) => l.name));
      cursor = page.nextCursor;
    }
    expect(names).toEqual([...Array(500).keys()].map((i) => `Link ${String(i).padStart(3, '0')}`));
    expect(app.operations.filter((o) => o.key.startsWith('link:'))).toEqual([]);
  });

  it(`keeps ${LINK_INDEX_CHUNKS} chunk records whatever the number of links, each far below kvs's 240 KiB`, async () => {
    const store = new MemoryKeyValueStore();
    const repository = new LinkRepository(store, () => new Date());
    // Long names and URLs: the worst case per summary.
    for (let i = 0; i < MAX_LINKS; i += 1) {
      await repository.save({ ...record(randomUUID(), `${'N'.repeat(190)}${i}`), applicationUrl: `https://${'h'.repeat(60)}.example.com/${'p'.repeat(400)}` });
    }
    const chunks = Object.entries(store.dump().values).filter(([key]) => key.startsWith('link-index:'));
    expect(chunks).toHaveLength(LINK_INDEX_CHUNKS);
    const largest = Math.max(...chunks.map(([, json]) => Buffer.byteLength(json)));
    expect(largest).toBeLessThan(120 * 1024);
    expect(await repository.count()).toBe(MAX_LINKS);
  });

  it('loses no link when 60 admins save links that land in the same chunk at the same moment', async () => {
    const store = new MemoryKeyValueStore();
    const index = new LinkIndex(store, () => new Date());
    const ids = idsInOneChunk(60);
    await Promise.all(ids.map((id) => index.upsert(summary(id), 1)));
    expect((await index.all()).map((s) => s.id).sort()).toEqual([...ids].sort());
  });

  it('(control) a plain read-modify-write of the same chunk does lose links, which is why the index swaps and merges', async () => {
    const store = new MemoryKeyValueStore();
    const ids = idsInOneChunk(60);
    const key = KEYS.linkIndexChunk(0);
    await Promise.all(
      ids.map(async (id) => {
        const current = ((await store.get(key)) as { entries: Record<string, unknown> } | undefined) ?? { entries: {} };
        await store.set(key, { entries: { ...current.entries, [id]: { rev: 1, summary: summary(id) } } });
      }),
    );
    const kept = Object.keys(((await store.get(key)) as { entries: Record<string, unknown> }).entries);
    expect(kept.length).toBeLessThan(ids.length);
  });

  it('keeps a deletion when an older update of the same link races with it', async () => {
    const store = new MemoryKeyValueStore();
    const index = new LinkIndex(store, () => new Date());
    const [id, neighbour] = idsInOneChunk(2) as [string, string];
    await index.upsert(summary(id, 'v1'), 1);
    await Promise.all([index.remove(id, 3), index.upsert(summary(id, 'v2'), 2), index.upsert(summary(neighbour), 1)]);
    expect((await index.all()).map((s) => s.id)).toEqual([neighbour]);
  });

  it('shows the newest version of a link when updates race', async () => {
    const store = new MemoryKeyValueStore();
    const index = new LinkIndex(store, () => new Date());
    const [id] = idsInOneChunk(1) as [string];
    await Promise.all([5, 2, 4, 1, 3].map((rev) => index.upsert(summary(id, `v${rev}`), rev)));
    expect((await index.all()).map((s) => s.name)).toEqual(['v5']);
  });

  it('retries while other writers keep replacing the chunk, and then has every change', async () => {
    let interleave = 0;
    const store: MemoryKeyValueStore = new MemoryKeyValueStore({
      // Before each of the first swaps, another writer sneaks in a link of its own.
      onOperation: async (operation: StoreOperation) => {
        if (operation === 'swap' && interleave < 3) {
          interleave += 1;
          await store.set(KEYS.linkIndexChunk(0), { entries: { [`intruder-${interleave}`]: { rev: 1, summary: summary(`intruder-${interleave}`) } } });
        }
      },
    });
    const index = new LinkIndex(store, () => new Date());
    const [id] = idsInOneChunk(1) as [string];
    await index.upsert(summary(id), 1);
    const ids = (await index.all()).map((s) => s.id);
    expect(ids).toContain(id);
    // The last intruder wrote before our final swap; the earlier ones were merged back by us.
    expect(ids).toEqual(expect.arrayContaining(['intruder-1', 'intruder-2', 'intruder-3']));
  });

  it('merges commutatively and drops tombstones only after an hour', () => {
    const clock = new TestClock();
    const a = { entries: { x: { rev: 2, summary: summary('x') }, y: { rev: 1, summary: summary('y') } } };
    const b = { entries: { x: { rev: 3, deletedAt: clock.now().toISOString() }, z: { rev: 1, summary: summary('z') } } };
    expect(mergeChunks(a, b, clock.now())).toEqual(mergeChunks(b, a, clock.now()));
    expect(Object.keys(mergeChunks(a, b, clock.now()).entries)).toEqual(['x', 'y', 'z']);
    clock.advance(3601);
    expect(Object.keys(mergeChunks(a, b, clock.now()).entries)).toEqual(['y', 'z']);
  });

  it('refuses to create a link beyond the limit, before calling the connector', async () => {
    const app = startForgeApp();
    const repository = new LinkRepository(app.store, app.clock.now);
    for (let i = 0; i < MAX_LINKS; i += 1) await repository.save(record(randomUUID(), `L${i}`));
    const result = await app.invoke('createLink', { name: 'One more', remoteKind: 'jira', applicationUrl: 'https://jira.example.com' });
    expect(result).toMatchObject({ success: false, status: 409, errors: [{ code: 'LIMIT_REACHED' }] });
    expect(app.connector.calls).toEqual([]);
  });
});
