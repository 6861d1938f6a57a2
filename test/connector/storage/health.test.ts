/**
 * Storage conformance for scheduled checks and their history: claims that no two callers share,
 * completions that only the claim's holder writes, successes compacted into hourly counts while
 * failures and transitions stay whole, and the 30-day purge. Every case runs on SQLite and on
 * PostgreSQL (`describe.each(BACKENDS)`).
 */
import type { CheckCompletion, TransitionRow } from '../../../connector/src/storage/health-store';
import type { Store } from '../../../connector/src/storage';
import { BACKENDS, type StoreDatabase } from './backends';
import { at, link } from './fixtures';

const HOUR = 3600;

function done(linkId: string, claimId: string, seconds: number, ok: boolean, transition: TransitionRow | null = null): CheckCompletion {
  const when = at(seconds);
  const hour = new Date(when);
  hour.setUTCMinutes(0, 0, 0);
  return {
    linkId,
    claimId,
    nextDueAt: at(seconds + 900),
    check: {
      at: when,
      ok,
      consecutiveFailures: ok ? 0 : 1,
      state: 'up',
      stateSince: at(0),
      failingSince: ok ? null : when,
      hour: hour.toISOString(),
      stages: { tcp: { ms: 2, runs: 1 }, api: { ms: ok ? 10 : 0, runs: ok ? 1 : 0 } },
      failure: ok ? null : { linkId, at: when, stage: 'tcp', code: 'CONNECTION_REFUSED', message: 'refused', hint: 'Start it.', ms: 2 },
      transition,
    },
  };
}

describe.each(BACKENDS)('$name store', (backend) => {
  let db: StoreDatabase;
  let store: Store;

  beforeAll(async () => {
    db = await backend.prepare();
    store = db.open();
    await store.migrate();
    for (const id of ['a', 'b', 'c']) await store.links.create(link(id));
  });

  afterAll(async () => {
    await db.cleanup();
  });

  it('seeds one schedule row per link, and a claim takes each due row once', async () => {
    expect(await store.health.seed(() => at(0), 100)).toBe(3);
    expect(await store.health.seed(() => at(0), 100)).toBe(0);
    const first = await store.health.claimDue(at(10), at(130), 'one', 2);
    const second = await store.health.claimDue(at(10), at(130), 'two', 10);
    expect([...first, ...second].map((c) => c.linkId).sort()).toEqual(['a', 'b', 'c']);
    expect(await store.health.claimDue(at(20), at(140), 'three', 10)).toEqual([]);
    // The lease ran out without a completion: another claim may take the check over, and the
    // first holder's late completion is refused.
    const retaken = await store.health.claimDue(at(131), at(251), 'four', 10);
    expect(retaken.map((c) => c.linkId).sort()).toEqual(['a', 'b', 'c']);
    expect(await store.health.complete(done('a', 'one', 140, true))).toBe(false);
    for (const id of ['a', 'b', 'c']) expect(await store.health.complete(done(id, 'four', 140, true))).toBe(true);
    expect(await store.health.claimDue(at(141), at(261), 'five', 10)).toEqual([]);
    expect((await store.health.getSchedule('a'))?.nextDueAt).toBe(at(140 + 900));
  });

  it('keeps successes as hourly counts and failures whole', async () => {
    // Link b: three more checks in the first hour (one failed), one in the next; the others wait.
    for (const id of ['a', 'c']) await store.health.reschedule(id, at(100 * HOUR));
    for (const [seconds, ok] of [[1000, true], [2000, false], [3000, true], [HOUR + 100, true]] as const) {
      await store.health.reschedule('b', at(seconds));
      const [claim] = await store.health.claimDue(at(seconds), at(seconds + 120), `c${seconds}`, 10);
      expect(claim?.linkId).toBe('b');
      expect(await store.health.complete(done('b', claim!.claimId, seconds, ok))).toBe(true);
    }
    const hours = await store.health.hours('b', at(0));
    expect(hours.map((h) => [h.hour, h.checks, h.failures])).toEqual([
      [at(0), 4, 1],
      [at(HOUR), 1, 0],
    ]);
    expect(hours[0]!.stages).toEqual({ tcp: { ms: 8, runs: 4 }, api: { ms: 30, runs: 3 } });
    const failures = await store.health.failures('b', at(0), 10);
    expect(failures).toEqual([{ linkId: 'b', at: at(2000), stage: 'tcp', code: 'CONNECTION_REFUSED', message: 'refused', hint: 'Start it.', ms: 2 }]);
    const totals = await store.health.hourTotals(['a', 'b', 'zz'], at(0));
    expect(Object.fromEntries(totals)).toEqual({ a: { checks: 1, failures: 0 }, b: { checks: 5, failures: 1 } });
    expect(Object.fromEntries(await store.health.hourTotals(['b'], at(HOUR)))).toEqual({ b: { checks: 1, failures: 0 } });
  });

  it('records a transition once by its id, lists them in order, and keeps them through the purge', async () => {
    const t = (id: string, seconds: number): TransitionRow => ({ id, linkId: 'c', linkName: 'Link c', type: 'failing', at: at(seconds), stage: 'tcp', code: 'CONNECTION_REFUSED', hint: 'h', since: at(seconds - 900) });
    await store.health.recordTransition(t('t2', 5000));
    await store.health.recordTransition(t('t1', 4000));
    await store.health.recordTransition(t('t1', 4000));
    expect((await store.health.transitionsSince(at(0), 10)).map((x) => x.id)).toEqual(['t1', 't2']);
    expect((await store.health.transitionsSince(at(4500), 10)).map((x) => x.id)).toEqual(['t2']);
    expect((await store.health.transitions('c', at(0), 10)).map((x) => x.id)).toEqual(['t2', 't1']);
    // 30 days on: buckets and failures of the first hour go, transitions stay.
    expect(await store.health.purge(at(HOUR))).toBe(4); // a's, b's and c's first-hour buckets, b's failure
    expect((await store.health.hours('b', at(0))).map((h) => h.hour)).toEqual([at(HOUR)]);
    expect(await store.health.failures('b', at(0), 10)).toEqual([]);
    expect(await store.health.transitionsSince(at(0), 10)).toHaveLength(2);
  });

  it('drops a link\'s schedule and history with the link, and keeps its transitions as the audit', async () => {
    expect(await store.links.delete('c')).toBe(true);
    expect(await store.health.getSchedule('c')).toBeUndefined();
    expect(await store.health.transitions('c', at(0), 10)).toHaveLength(2);
  });
});
