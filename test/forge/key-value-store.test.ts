import { kvs } from '@forge/kvs';
import { forgeKeyValueStore } from '../../src/storage/forge-key-value-store';
import type { KeyValueStore } from '../../src/storage/key-value-store';
import { MemoryKeyValueStore } from '../../preview/memory-key-value-store';
import { TestClock } from './helpers/forge-app';
import { fakeKvsService, installForgeFetch, type ForgeFetchCall } from './helpers/fake-forge-runtime';

/**
 * One behaviour, two stores: the in-memory store the tests use, and the real `@forge/kvs` client
 * behind the app's adapter, talking to a stand-in for Forge's storage service. If they agree, the
 * tests that use the in-memory store say something about production.
 */

let calls: ForgeFetchCall[] = [];
let uninstall: () => void = () => undefined;
let backing: MemoryKeyValueStore;
let clock: TestClock;

beforeEach(() => {
  clock = new TestClock();
  backing = new MemoryKeyValueStore({ now: clock.now });
  const installed = installForgeFetch({ kvs: fakeKvsService(backing) });
  calls = installed.calls;
  uninstall = installed.uninstall;
});
afterEach(() => uninstall());

const stores: [string, () => KeyValueStore][] = [
  ['the in-memory store', () => new MemoryKeyValueStore({ now: clock.now })],
  ['@forge/kvs through the adapter', () => forgeKeyValueStore(kvs)],
];

describe.each(stores)('%s', (_name, make) => {
  it('answers undefined for a key never set', async () => {
    expect(await make().get('link:missing')).toBeUndefined();
  });

  it('round-trips values as JSON', async () => {
    const store = make();
    await store.set('link:a', { name: 'A', when: new Date('2026-01-01T00:00:00Z'), list: [1, null] });
    expect(await store.get('link:a')).toEqual({ name: 'A', when: '2026-01-01T00:00:00.000Z', list: [1, null] });
  });

  it('swap writes and returns the value it replaced, or undefined', async () => {
    const store = make();
    expect(await store.swap('k:1', { v: 1 })).toBeUndefined();
    expect(await store.swap('k:1', { v: 2 })).toEqual({ v: 1 });
    expect(await store.get('k:1')).toEqual({ v: 2 });
  });

  it('deletes, and deleting a missing key is fine', async () => {
    const store = make();
    await store.set('k:1', 1);
    await store.delete('k:1');
    await store.delete('k:never');
    expect(await store.get('k:1')).toBeUndefined();
  });

  it('queries a prefix in key order, 20 at most a page, with a cursor, without crossing into other prefixes', async () => {
    const store = make();
    for (let i = 0; i < 45; i += 1) await store.set(`audit:all:${String(i).padStart(3, '0')}`, i);
    await store.set('audit:allx', 'not mine');
    await store.set('audit:link:x', 'not mine');
    const seen: unknown[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.query('audit:all:', { cursor, limit: 100 });
      expect(page.items.length).toBeLessThanOrEqual(20);
      seen.push(...page.items.map((item) => item.value));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== undefined);
    expect(seen).toEqual([...Array(45).keys()]);
    expect(pages).toBe(3);
  });

  it('keeps secrets apart: not readable with get, not listed by query', async () => {
    const store = make();
    await store.setSecret('incoming-secret:abc', { digest: 'x' });
    expect(await store.getSecret('incoming-secret:abc')).toEqual({ digest: 'x' });
    expect(await store.get('incoming-secret:abc')).toBeUndefined();
    expect((await store.query('incoming-secret:')).items).toEqual([]);
    await store.deleteSecret('incoming-secret:abc');
    expect(await store.getSecret('incoming-secret:abc')).toBeUndefined();
  });

  it('forgets values once their time to live has passed', async () => {
    const store = make();
    await store.set('oauth-token:t', { kind: 'access' }, { ttlSeconds: 3600 });
    clock.advance(3599);
    expect(await store.get('oauth-token:t')).toEqual({ kind: 'access' });
    clock.advance(1);
    expect(await store.get('oauth-token:t')).toBeUndefined();
  });

  it("refuses a key Forge's pattern does not allow", async () => {
    await expect(make().set('link/with/slashes', 1)).rejects.toThrow();
  });
});

describe('the adapter speaks the @forge/kvs wire protocol', () => {
  it('swaps with keyPolicy OVERRIDE and returnValue PREVIOUS, and sends TTLs in the largest whole unit', async () => {
    const store = forgeKeyValueStore(kvs);
    await store.swap('k:1', 'v', { ttlSeconds: 7200 });
    await store.set('k:2', 'v', { ttlSeconds: 90 * 86400 });
    await store.set('k:3', 'v', { ttlSeconds: 61 });
    expect(calls.map((c) => [c.target, c.path, (c.body as { options?: unknown }).options])).toEqual([
      [{ type: 'kvs', provider: 'app', remote: 'kvs' }, '/api/v1/set', { ttl: { value: 2, unit: 'HOURS' }, keyPolicy: 'OVERRIDE', returnValue: 'PREVIOUS' }],
      [{ type: 'kvs', provider: 'app', remote: 'kvs' }, '/api/v1/set', { ttl: { value: 90, unit: 'DAYS' } }],
      [{ type: 'kvs', provider: 'app', remote: 'kvs' }, '/api/v1/set', { ttl: { value: 61, unit: 'SECONDS' } }],
    ]);
  });

  it('queries with BEGINS_WITH on the key, a limit of 20 and the cursor as `after`', async () => {
    const store = forgeKeyValueStore(kvs);
    await store.query('link-index:', { cursor: 'abc', limit: 50 });
    expect(calls[0]?.path).toBe('/api/v1/query');
    expect(calls[0]?.body).toEqual({ limit: 20, after: 'abc', where: [{ property: 'key', condition: 'BEGINS_WITH', values: ['link-index:'] }] });
  });

  it('sends entity writes as one transaction with their conditions, and a failed condition is CONDITION_FAILED', async () => {
    const store = forgeKeyValueStore(kvs);
    await store.transact([{ kind: 'set', entity: 'applink-stats', key: 'links', value: { links: 1, version: 1 }, condition: { attribute: 'version', exists: false } }]);
    expect(calls[0]?.path).toBe('/api/v1/transaction');
    expect(calls[0]?.body).toEqual({
      set: [{ key: 'links', value: { links: 1, version: 1 }, entityName: 'applink-stats', conditions: { and: [{ property: 'version', condition: 'NOT_EXISTS', values: [true] }] } }],
    });
    await expect(
      store.transact([{ kind: 'delete', entity: 'applink-stats', key: 'links', condition: { attribute: 'version', equals: 7 } }]),
    ).rejects.toMatchObject({ name: 'StorageError', code: 'CONDITION_FAILED' });
    expect(await store.getEntity('applink-stats', 'links')).toEqual({ links: 1, version: 1 });
  });

  it('sends a check as its own list of the transaction: it writes nothing, and when it fails nothing else is written', async () => {
    const store = forgeKeyValueStore(kvs);
    await store.transact([{ kind: 'set', entity: 'applink-stats', key: 'links', value: { links: 1, version: 1 } }]);
    const client = { kind: 'set' as const, entity: 'incoming-client', key: 'c1', value: { linkId: 'l', generation: 1, version: 1, record: {} } };
    await expect(store.transact([{ kind: 'check', entity: 'applink-stats', key: 'links', condition: { attribute: 'version', equals: 2 } }, client])).rejects.toMatchObject({ code: 'CONDITION_FAILED' });
    expect(await store.getEntity('incoming-client', 'c1')).toBeUndefined();
    calls.length = 0;
    await store.transact([{ kind: 'check', entity: 'applink-stats', key: 'links', condition: { attribute: 'version', equals: 1 } }, client]);
    expect(calls[0]?.body).toMatchObject({ check: [{ key: 'links', entityName: 'applink-stats', conditions: { and: [{ property: 'version', condition: 'EQUAL_TO', values: [1] }] } }] });
    expect(await store.getEntity('applink-stats', 'links')).toEqual({ links: 1, version: 1 });
    expect(await store.getEntity('incoming-client', 'c1')).toEqual(client.value);
  });

  it('queries an entity index with its sort, a limit of at most 100 and the cursor', async () => {
    const store = forgeKeyValueStore(kvs);
    const page = await store.queryEntity('applink', { index: 'by-name', sort: 'ASC', limit: 500, cursor: undefined });
    expect(page).toEqual({ items: [], nextCursor: undefined });
    expect(calls[0]?.path).toBe('/api/v1/entity/query');
    expect(calls[0]?.body).toEqual({ entityName: 'applink', indexName: 'by-name', sort: 'ASC', limit: 100 });
  });

  it('wraps storage failures in a StorageError that keeps the cause', async () => {
    uninstall();
    const store = forgeKeyValueStore(kvs);
    // Outside Forge the client has no __forge_fetch__, which is what this message is about.
    await expect(store.get('k:1')).rejects.toMatchObject({ name: 'StorageError', code: 'STORE_FAILED', cause: expect.objectContaining({ message: expect.stringContaining('__forge_fetch__') }) });
  });
});
