import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LinkViewSchema, type LinkEvent } from '../../../contract';
import type { CheckObserver, LinkEventSink } from '../../../connector/src/monitoring/seams';
import { startTestConnector, type TestConnector } from '../../helpers/connector-app';
import { createTestDatabase, type TestDatabase } from '../../helpers/postgres';
import { PUBLIC_URL } from '../discovery/fixtures';

/**
 * Two replicas on one PostgreSQL, scanning at the same moments: every link is checked exactly once
 * per interval, and each link's transition is recorded and announced once, whichever replica ran
 * the check that decided it.
 */
const MINUTE = 60_000;
const LINKS = 24;
const clock = { t: Date.now() };

let remote: http.Server;
let database: TestDatabase;
const replicas: { c: TestConnector; checks: string[]; events: LinkEvent[] }[] = [];

beforeAll(async () => {
  // A remote that answers at once, with no applinks manifest: every check fails at the manifest stage.
  remote = http.createServer((_, res) => res.writeHead(404).end());
  await new Promise<void>((resolve) => remote.listen(0, '127.0.0.1', resolve));
  database = await createTestDatabase();
  const masterKey = Buffer.alloc(32, 7);
  for (let i = 0; i < 2; i += 1) {
    const checks: string[] = [];
    const events: LinkEvent[] = [];
    const observer: CheckObserver = { observed: async (linkId) => void checks.push(linkId) };
    const sink: LinkEventSink = { publish: async (event) => void events.push(event) };
    const c = await startTestConnector({
      databaseUrl: database.url,
      masterKey,
      env: { CONNECTOR_PUBLIC_URL: PUBLIC_URL, CONNECTOR_ALLOWED_HOSTS: '127.0.0.1' },
      discovery: { testTimeouts: { connectMs: 1_000, stageMs: 2_000, totalMs: 5_000 } },
      monitoring: { sink, observers: [observer], scheduler: { now: () => clock.t, random: () => 0, batchSize: 5, concurrency: 4 } },
    });
    replicas.push({ c, checks, events });
  }
  const base = `http://127.0.0.1:${(remote.address() as AddressInfo).port}`;
  for (let i = 0; i < LINKS; i += 1) {
    const res = await replicas[i % 2]!.c.request({ method: 'POST', url: '/v1/links', payload: { name: `Remote ${i}`, remoteKind: 'jira', applicationUrl: `${base}/r${i}`, authKind: 'none' } });
    expect(res.statusCode).toBe(201);
  }
});

afterAll(async () => {
  for (const { c } of replicas) await c.close();
  await database.drop();
  await new Promise((resolve) => remote.close(resolve));
});

/** Both replicas scan together until neither finds anything due. */
async function scanTogether(): Promise<void> {
  for (;;) {
    const claimed = await Promise.all(replicas.map(({ c }) => c.app.connector.monitoring.scheduler.runOnce()));
    if (claimed.every((n) => n === 0)) return;
  }
}

it('checks every link once per interval across two replicas, and records and announces each transition once', async () => {
  for (let round = 1; round <= 3; round += 1) {
    const before = replicas.map((r) => r.checks.length);
    await scanTogether();
    const thisRound = replicas.flatMap((r, i) => r.checks.slice(before[i]));
    const perLink = new Map<string, number>();
    for (const id of thisRound) perLink.set(id, (perLink.get(id) ?? 0) + 1);
    expect(perLink.size).toBe(LINKS);
    expect([...perLink.values()].every((n) => n === 1)).toBe(true);
    clock.t += 15 * MINUTE;
  }
  // Both replicas did part of the work.
  expect(replicas.every((r) => r.checks.length > 0)).toBe(true);

  // Two failed checks made each link failing: one event and one transition per link in all.
  const events = replicas.flatMap((r) => r.events);
  expect(events).toHaveLength(LINKS);
  expect(new Set(events.map((e) => e.data.linkId)).size).toBe(LINKS);
  expect(events.every((e) => e.type === 'link.failing' && e.data.code === 'NOT_ATLASSIAN')).toBe(true);
  const log = (await replicas[0]!.c.request({ method: 'GET', url: '/v1/health/transitions?limit=500' })).json() as { items: unknown[] };
  expect(log.items).toHaveLength(LINKS);
  // Outgoing-only links keep their status; the health view says failing.
  const list = (await replicas[1]!.c.request({ method: 'GET', url: '/v1/links?limit=1' })).json() as { items: unknown[] };
  const first = LinkViewSchema.parse(list.items[0]);
  expect(first.status).toBe('outgoing-only');
  const health = (await replicas[1]!.c.request({ method: 'POST', url: '/v1/links/health', payload: { ids: [first.id] } })).json() as { items: { health: { state: string; uptime24h: unknown } }[] };
  expect(health.items[0]!.health).toMatchObject({ state: 'failing', uptime24h: { ratio: 0, checks: 3 } });
});
