import type { HealthTransition } from '../../contract';
import { MemoryKeyValueStore } from '../../preview/memory-key-value-store';
import type { ConnectorClient } from '../../src/connector-client/connector-client';
import { ConnectorError } from '../../src/connector-client/connector-client';
import { LinkHealthService } from '../../src/links/link-health';
import { AuditLog } from '../../src/storage/audit-log';

/**
 * The connector's status transitions in this site's audit log: each once, whatever the number of
 * calls (two at once included), every one of a mass outage across calls, and no kvs write when
 * nothing is new.
 */
const LINK = '7d7e2a8c-1f0b-4c53-9a3e-2b1f4f7c9d10';
const T0 = Date.parse('2026-03-01T10:00:00.000Z');

function transition(i: number): HealthTransition {
  return { id: `t-${String(i).padStart(5, '0')}`, linkId: LINK, linkName: 'Jira', type: i % 2 === 0 ? 'failing' : 'recovered', at: new Date(T0 + i * 1000).toISOString(), stage: 'tcp', code: 'CONNECTION_REFUSED', hint: 'h', since: new Date(T0).toISOString() };
}

/** The connector's transitions route over a list: at or after `since`, oldest first, 200 a page. */
function connectorWith(all: HealthTransition[], calls: string[]): ConnectorClient {
  return {
    transitions: async (since: string) => {
      calls.push(since);
      return all.filter((t) => t.at >= since).slice(0, 200);
    },
  } as unknown as ConnectorClient;
}

const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

it('records each transition once, also when two calls run at once, and writes nothing when none is new', async () => {
  const store = new MemoryKeyValueStore();
  const audit = new AuditLog(store, () => new Date());
  const calls: string[] = [];
  const all = [transition(1), transition(2)];
  const service = new LinkHealthService({ store, connector: connectorWith(all, calls), audit, logger });
  await Promise.all([service.syncTransitions(), service.syncTransitions()]);
  const page = await audit.page({ limit: 20 });
  expect(page.items.map((e) => [e.id, e.action, e.actorAccountId])).toEqual([
    ['t-00002', 'link.failing', 'connector'],
    ['t-00001', 'link.recovered', 'connector'],
  ]);
  expect(page.items[0]!.changes).toEqual([
    { field: 'status', from: 'connected', to: 'failing' },
    { field: 'failure', from: null, to: 'tcp CONNECTION_REFUSED' },
  ]);
  const writes = JSON.stringify(store.dump());
  expect(await service.syncTransitions()).toBe(0);
  expect(JSON.stringify(store.dump())).toBe(writes);
  // The next request overlaps the last one by ten minutes (replicas' clocks, late commits).
  expect(calls[calls.length - 1]).toBe(new Date(T0 + 2000 - 10 * 60_000).toISOString());
});

it('takes every transition of a mass outage, five pages a call, and stops quietly when the connector does not answer', async () => {
  const store = new MemoryKeyValueStore();
  const audit = new AuditLog(store, () => new Date());
  const all = Array.from({ length: 1500 }, (_, i) => transition(i));
  const service = new LinkHealthService({ store, connector: connectorWith(all, []), audit, logger });
  // Five pages of 200 a call; each page after the first starts at the time its predecessor ended
  // (repeating that one, already recorded), and each call re-reads the ten-minute overlap.
  const recorded: number[] = [];
  for (let n = await service.syncTransitions(); n > 0; n = await service.syncTransitions()) recorded.push(n);
  expect(recorded[0]).toBe(996);
  expect(recorded.length).toBeLessThanOrEqual(4);
  expect(recorded.reduce((a, b) => a + b, 0)).toBe(1500);
  expect((await audit.page({ linkId: LINK, limit: 20 })).items[0]!.id).toBe('t-01499');
  const down = new LinkHealthService({ store, connector: { transitions: async () => Promise.reject(new ConnectorError('CONNECTOR_UNREACHABLE', undefined, undefined)) } as unknown as ConnectorClient, audit, logger });
  expect(await down.syncTransitions()).toBe(0);
});
