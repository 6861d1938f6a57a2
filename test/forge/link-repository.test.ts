import { randomUUID } from 'node:crypto';
import type { LinkPage } from '../../contract';
import { toSummary, type LinkRecord } from '../../src/links/link-record';
import { ENTITIES } from '../../src/storage/entities';
import { StorageError } from '../../src/storage/key-value-store';
import { LinkRepository, MAX_LINKS } from '../../src/storage/link-repository';
import { MemoryKeyValueStore, type StoreOperation } from '../../preview/memory-key-value-store';
import { startForgeApp } from './helpers/forge-app';

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

const name = (i: number) => `Link ${String(i).padStart(4, '0')}`;

async function seed(repository: LinkRepository, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) await repository.save(record(randomUUID(), name(i)));
}

/** Every link name through the resolver, following the cursor, and the storage calls it took. */
async function listAll(app: ReturnType<typeof startForgeApp>, limit: number): Promise<{ names: string[]; total: number; calls: string[] }> {
  app.operations.length = 0;
  const names: string[] = [];
  let total = 0;
  let cursor: string | null | undefined;
  do {
    const page = await app.call<LinkPage>('listLinks', { limit, ...(cursor ? { cursor } : {}) });
    names.push(...page.items.map((l) => l.name));
    total = page.total;
    cursor = page.nextCursor;
  } while (cursor !== null);
  return { names, total, calls: app.operations.map((o) => `${o.operation} ${o.key}`) };
}

describe('link repository (Custom Entity Store)', () => {
  it('lists 500 links through the resolver a page of 100 at a time: one index query and one count read per page (and one look for an old index per instance), no link read', async () => {
    const app = startForgeApp();
    await seed(new LinkRepository(app.store), 500);
    const { names, total, calls } = await listAll(app, 100);
    expect(total).toBe(500);
    expect(names).toEqual([...Array(500).keys()].map(name));
    expect(calls.filter((c) => c.startsWith('queryEntity'))).toHaveLength(5);
    expect(calls.filter((c) => c.startsWith('getEntity'))).toEqual(Array(5 + 1).fill('getEntity links'));
    expect(calls.filter((c) => !c.startsWith('queryEntity') && !c.startsWith('getEntity'))).toEqual([]);
  });

  it('lists 5,000 links, beyond the old cap of 1,000, in 50 pages of 100 (100 storage calls, and one look for an old index)', async () => {
    const app = startForgeApp();
    await seed(new LinkRepository(app.store), 5000);
    const { names, total, calls } = await listAll(app, 100);
    expect(total).toBe(5000);
    expect(names).toEqual([...Array(5000).keys()].map(name));
    expect(calls).toHaveLength(100 + 1);
  }, 60_000);

  it('keeps each link in an entity of its own, far below 240 KiB even with the longest name and URL', async () => {
    const store = new MemoryKeyValueStore();
    const repository = new LinkRepository(store);
    await repository.save({ ...record(randomUUID(), `${'N'.repeat(200)}`), applicationUrl: `https://${'h'.repeat(60)}.example.com/${'p'.repeat(1900)}` });
    const [entity] = Object.entries(store.dump().values).filter(([key]) => key.startsWith(`${ENTITIES.link.name}/`));
    expect(Buffer.byteLength(entity![1])).toBeLessThan(8 * 1024);
  });

  it('loses no link and miscounts none when 60 admins create links at the same moment', async () => {
    const store = new MemoryKeyValueStore();
    const repository = new LinkRepository(store);
    const ids = [...Array(60)].map(() => randomUUID());
    await Promise.all(ids.map((id, i) => repository.save(record(id, name(i)))));
    const page = await repository.page({ limit: 100 });
    expect(page.items.map((s) => s.id).sort()).toEqual([...ids].sort());
    expect(page.total).toBe(60);
    expect(await repository.count()).toBe(60);
  });

  it('(control) a plain read-modify-write of a shared count does lose updates, which is why the count is written with a condition', async () => {
    const store = new MemoryKeyValueStore();
    await Promise.all(
      [...Array(60)].map(async () => {
        const current = ((await store.get('count')) as number | undefined) ?? 0;
        await store.set('count', current + 1);
      }),
    );
    expect(await store.get('count')).toBeLessThan(60);
  });

  it('keeps a deletion when an older update of the same link races with it', async () => {
    const store = new MemoryKeyValueStore();
    const repository = new LinkRepository(store);
    const [id, neighbour] = [randomUUID(), randomUUID()];
    await repository.save(record(id, 'v1'));
    const results = await Promise.allSettled([repository.remove(record(id, 'v1')), repository.save(record(id, 'v2', 2)), repository.save(record(neighbour, 'n'))]);
    expect(results[0].status).toBe('fulfilled');
    const page = await repository.page({ limit: 10 });
    // Whichever ran first, the deletion is what stays, and the count agrees.
    expect(page.items.map((s) => s.id)).toEqual([neighbour]);
    expect(page.total).toBe(1);
  });

  it('lets exactly one of racing updates from the same version through; the others get CONFLICT instead of overwriting', async () => {
    const store = new MemoryKeyValueStore();
    const repository = new LinkRepository(store);
    const id = randomUUID();
    await repository.save(record(id, 'v1'));
    const results = await Promise.allSettled([2, 3, 4, 5, 6].map((n) => repository.save(record(id, `edit ${n}`, 2))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) expect(r.reason).toMatchObject({ code: 'CONFLICT' });
    expect((await repository.get(id))?.version).toBe(2);
  });

  it('retries while other writers keep changing the count, and then has every change', async () => {
    let interleave = 0;
    const store: MemoryKeyValueStore = new MemoryKeyValueStore({
      // Before each of the first transactions, another writer creates a link of its own.
      onOperation: async (operation: StoreOperation) => {
        if (operation === 'transact' && interleave < 3) {
          interleave += 1;
          await new LinkRepository(store).save(record(randomUUID(), `intruder-${interleave}`));
        }
      },
    });
    const repository = new LinkRepository(store);
    const id = randomUUID();
    await repository.save(record(id, 'mine'));
    const page = await repository.page({ limit: 10 });
    expect(page.items.map((s) => s.name)).toEqual(['intruder-1', 'intruder-2', 'intruder-3', 'mine']);
    expect(page.total).toBe(4);
  });

  it('refuses a cursor it did not give out with VALIDATION_FAILED', async () => {
    const repository = new LinkRepository(new MemoryKeyValueStore());
    await expect(repository.page({ limit: 10, cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('refuses to create a link beyond the limit, before calling the connector', async () => {
    const app = startForgeApp();
    const repository = new LinkRepository(app.store);
    for (let i = 0; i < MAX_LINKS; i += 1) await repository.save(record(randomUUID(), `L${i}`));
    const result = await app.invoke('createLink', { name: 'One more', remoteKind: 'jira', applicationUrl: 'https://jira.example.com' });
    expect(result).toMatchObject({ success: false, status: 409, errors: [{ code: 'LIMIT_REACHED' }] });
    expect(app.connector.calls).toEqual([]);
  }, 120_000);
});

describe('moving an installation from the old link index', () => {
  /** What the app before the Custom Entity Store wrote: `link:<id>` records and 32 index chunks of summaries. */
  async function legacyInstallation(store: MemoryKeyValueStore, count: number): Promise<LinkRecord[]> {
    const records = [...Array(count)].map((_, i) => record(randomUUID(), name(count - 1 - i), 1 + (i % 3)));
    const chunks = new Map<string, Record<string, unknown>>();
    for (const r of records) {
      await store.set(`link:${r.id}`, r);
      const chunk = `link-index:${String(r.id.charCodeAt(0) % 32).padStart(2, '0')}`;
      chunks.set(chunk, { ...chunks.get(chunk), [r.id]: { rev: r.version, summary: toSummary(r) } });
    }
    for (const [key, entries] of chunks) await store.set(key, { entries });
    return records;
  }

  it('old index in, same links out: every record, in name order, with its version, and the old keys gone', async () => {
    const store = new MemoryKeyValueStore();
    const records = await legacyInstallation(store, 250);
    const repository = new LinkRepository(store);
    const items = [];
    let cursor: string | undefined;
    do {
      const page = await repository.page({ limit: 100, cursor });
      expect(page.total).toBe(250);
      items.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(items).toEqual([...records].map(toSummary).sort((a, b) => a.name.localeCompare(b.name)));
    for (const r of records) expect(await repository.get(r.id)).toEqual(r);
    expect(Object.keys(store.dump().values).filter((key) => key.startsWith('link:') || key.startsWith('link-index:'))).toEqual([]);
  });

  it('moves once when several instances start on the same installation at the same moment', async () => {
    const store = new MemoryKeyValueStore();
    const records = await legacyInstallation(store, 40);
    const counts = await Promise.all([...Array(4)].map(() => new LinkRepository(store).count()));
    expect(counts).toEqual([40, 40, 40, 40]);
    await new LinkRepository(store).save(record(randomUUID(), 'after the move'));
    expect(await new LinkRepository(store).count()).toBe(records.length + 1);
  });

  it('a new installation starts at zero links without touching any old key', async () => {
    const store = new MemoryKeyValueStore();
    expect(await new LinkRepository(store).count()).toBe(0);
    expect(await store.getEntity(ENTITIES.linkStats.name, 'links')).toEqual({ links: 0, version: 1 });
  });
});

describe('the in-memory Custom Entity Store honours what Forge promises', () => {
  it('refuses pages over 100, unknown indexes and undeclared entities', async () => {
    const store = new MemoryKeyValueStore();
    await expect(store.queryEntity(ENTITIES.link.name, { index: 'by-name', limit: 101 })).rejects.toMatchObject({ code: 'INVALID_QUERY' });
    await expect(store.queryEntity(ENTITIES.link.name, { index: 'by-url' })).rejects.toMatchObject({ code: 'INVALID_QUERY' });
    await expect(store.getEntity('undeclared', 'x')).rejects.toBeInstanceOf(StorageError);
  });

  it('pages at 10 by default, in range order, and DESC reverses it', async () => {
    const store = new MemoryKeyValueStore();
    const repository = new LinkRepository(store);
    await seed(repository, 12);
    const asc = await store.queryEntity(ENTITIES.link.name, { index: 'by-name' });
    expect(asc.items).toHaveLength(10);
    expect(asc.nextCursor).toBeDefined();
    const desc = await store.queryEntity(ENTITIES.link.name, { index: 'by-name', sort: 'DESC', limit: 2 });
    expect(desc.items.map((i) => (i.value as { record: LinkRecord }).record.name)).toEqual([name(11), name(10)]);
  });

  it('runs a transaction all or nothing: one failed condition writes none of its operations', async () => {
    const store = new MemoryKeyValueStore();
    await expect(
      store.transact([
        { kind: 'set', entity: ENTITIES.link.name, key: 'a', value: { sortName: 'a', version: 1, record: {} } },
        { kind: 'set', entity: ENTITIES.linkStats.name, key: 'links', value: { links: 1, version: 2 }, condition: { attribute: 'version', equals: 1 } },
      ]),
    ).rejects.toMatchObject({ code: 'CONDITION_FAILED' });
    expect(await store.getEntity(ENTITIES.link.name, 'a')).toBeUndefined();
  });

  it('refuses more than 25 operations, the same key twice, and attributes the entity does not declare', async () => {
    const store = new MemoryKeyValueStore();
    const set = (key: string) => ({ kind: 'set' as const, entity: ENTITIES.linkStats.name, key, value: { links: 1, version: 1 } });
    await expect(store.transact([...Array(26)].map((_, i) => set(`k${i}`)))).rejects.toMatchObject({ code: 'INVALID_QUERY' });
    await expect(store.transact([set('k'), set('k')])).rejects.toMatchObject({ code: 'INVALID_QUERY' });
    await expect(store.transact([{ ...set('k'), value: { links: 1, version: 1, extra: true } }])).rejects.toMatchObject({ code: 'INVALID_VALUE' });
    await expect(store.transact([{ ...set('k'), value: { links: 1.5, version: 1 } }])).rejects.toMatchObject({ code: 'INVALID_VALUE' });
  });
});
