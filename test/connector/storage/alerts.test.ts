/**
 * Storage conformance for forecasts and alerts: certificate expiries, expiry announcements claimed
 * once, the refresh token's stated expiry on the token record, and the webhook delivery queue.
 * Every case runs on SQLite and on PostgreSQL (`describe.each(BACKENDS)`); one database per backend.
 */
import type { WebhookDeliveryRecord } from '../../../connector/src/storage/alerts-store';
import { type Store } from '../../../connector/src/storage';
import { BACKENDS, type StoreDatabase } from './backends';
import { at, link, saveToken, sealed, vaultKey } from './fixtures';

function delivery(id: string, endpointId: string, eventId: string, changes: Partial<WebhookDeliveryRecord> = {}): WebhookDeliveryRecord {
  return {
    id,
    endpointId,
    eventId,
    eventType: 'link.failing',
    payload: JSON.stringify({ type: 'link.failing', data: { linkId: 'l1' } }),
    status: 'pending',
    attempts: 0,
    nextAttemptAt: at(0),
    leaseUntil: null,
    lastAttemptAt: null,
    lastStatusCode: null,
    lastErrorCode: null,
    createdAt: at(0),
    deliveredAt: null,
    ...changes,
  };
}

describe.each(BACKENDS)('$name store', (backend) => {
  let db: StoreDatabase;
  let store: Store;

  beforeAll(async () => {
    db = await backend.prepare();
    store = db.open();
    await store.migrate();
    await store.vaultKeys.insert(vaultKey(1));
    for (const id of ['l1', 'l2', 'l3']) await store.links.create(link(id));
  });

  afterAll(async () => {
    await db.cleanup();
  });

  it('keeps the last certificate expiry per link, and ignores one for a link that is gone', async () => {
    await store.monitoring.recordCertificate({ linkId: 'l1', host: 'a.example', validTo: at(100), observedAt: at(1) });
    await store.monitoring.recordCertificate({ linkId: 'l1', host: 'a.example', validTo: at(200), observedAt: at(2) });
    await store.monitoring.recordCertificate({ linkId: 'gone', host: 'b.example', validTo: at(100), observedAt: at(1) });
    const all = await store.monitoring.certificates();
    expect(all.get('l1')).toEqual({ linkId: 'l1', host: 'a.example', validTo: at(200), observedAt: at(2) });
    expect(all.has('gone')).toBe(false);
    expect([...(await store.monitoring.certificates(['l2', 'l1'])).keys()]).toEqual(['l1']);
  });

  it('claims an expiry announcement exactly once, even when two stores race for it', async () => {
    const announcement = { linkId: 'l2', kind: 'client-secret', expiresAt: at(86_400 * 10), thresholdDays: 14, announcedAt: at(5) };
    const other = db.open();
    const results = await Promise.all([store.monitoring.claimAnnouncement(announcement), other.monitoring.claimAnnouncement(announcement), store.monitoring.claimAnnouncement(announcement)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.monitoring.claimAnnouncement({ ...announcement, thresholdDays: 7 })).toBe(true);
    expect(await store.monitoring.claimAnnouncement({ ...announcement, linkId: 'gone' })).toBe(false);
  });

  it('keeps the refresh token\'s stated expiry with the token record; a record without one reads back without one', async () => {
    const stated = await saveToken(store, 'l1', '', { refreshExpiresAt: at(86_400 * 30) });
    expect((await store.tokens.get('l1', ''))?.record).toEqual(stated);
    // saveRecord (failures, back-off) keeps it.
    await store.tokens.saveRecord({ ...stated, failureCount: 1, refreshExpiresAt: undefined });
    expect((await store.tokens.get('l1', ''))?.record.refreshExpiresAt).toBe(at(86_400 * 30));
    const plain = await saveToken(store, 'l3');
    expect((await store.tokens.get('l3', ''))?.record).toEqual(plain);
    expect((await store.tokens.tally(['l1'])).get('l1')?.own?.refreshExpiresAt).toBe(at(86_400 * 30));
  });

  it('queues a delivery once per endpoint and event id, and hands each due one to one claimer only', async () => {
    const endpoint = { id: 'wh_endpoint_one_abcdef', url: 'https://hooks.example/a', description: null, events: ['link.failing' as const], createdAt: at(0) };
    await store.webhooks.createEndpoint(endpoint, sealed(1, 'whsec'));
    expect(await store.webhooks.getEndpoint(endpoint.id)).toEqual(endpoint);
    expect(await store.secrets.get(`webhook:${endpoint.id}`, 'signingSecret')).toEqual(sealed(1, 'whsec'));
    expect(await store.webhooks.enqueue([delivery('d1', endpoint.id, 'msg_1'), delivery('d2', endpoint.id, 'msg_2')])).toBe(2);
    expect(await store.webhooks.enqueue([delivery('d3', endpoint.id, 'msg_1')])).toBe(0);
    expect(await store.webhooks.enqueue([delivery('d4', endpoint.id, 'msg_3', { nextAttemptAt: at(1000) })])).toBe(1);

    const other = db.open();
    const [a, b] = await Promise.all([store.webhooks.claimDue(at(10), at(70), 1), other.webhooks.claimDue(at(10), at(70), 5)]);
    const claimed = [...a, ...b].map((d) => d.id).sort();
    expect(claimed).toEqual(['d1', 'd2']);
    // Held until the lease ends; not due yet: d4.
    expect(await store.webhooks.claimDue(at(20), at(80), 5)).toEqual([]);
    await store.webhooks.finishAttempt('d1', { status: 'pending', attempts: 1, nextAttemptAt: at(30), lastAttemptAt: at(20), lastStatusCode: 500, lastErrorCode: 'HTTP_500', deliveredAt: null });
    const again = await store.webhooks.claimDue(at(30), at(90), 5);
    expect(again.map((d) => [d.id, d.attempts, d.lastErrorCode])).toEqual([['d1', 1, 'HTTP_500']]);
    // A lease that ran out (the sender died) makes d2 due again.
    expect((await store.webhooks.claimDue(at(71), at(131), 5)).map((d) => d.id)).toEqual(['d2']);
    expect((await store.webhooks.listDeliveries(endpoint.id, 10)).map((d) => d.id).sort()).toEqual(['d1', 'd2', 'd4']);

    expect(await store.webhooks.deleteEndpoint(endpoint.id)).toBe(true);
    expect(await store.webhooks.listDeliveries(endpoint.id, 10)).toEqual([]);
    expect(await store.secrets.get(`webhook:${endpoint.id}`, 'signingSecret')).toBeUndefined();
    expect(await store.webhooks.deleteEndpoint(endpoint.id)).toBe(false);
  });
});
