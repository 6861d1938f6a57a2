import { breaksInThreshold } from '../../../contract';
import { decideHealth, nextDueAfter, type PriorHealth } from '../../../connector/src/monitoring/health-decision';
import { breaksIn, uptimeOf, windowStart } from '../../../connector/src/monitoring/health-view';

/** The pure parts of monitoring: one case per rule of the health state, uptime windows, "breaks in" thresholds. */
const fresh: PriorHealth = { consecutiveFailures: 0, state: null, stateSince: null, failingSince: null };
const T1 = '2026-01-01T00:00:00.000Z';
const T2 = '2026-01-01T00:15:00.000Z';
const T3 = '2026-01-01T00:30:00.000Z';

describe('decideHealth', () => {
  it('the first good check starts the link up, with no transition', () => {
    expect(decideHealth(fresh, { ok: true, at: T1 }, 'connected')).toEqual({ consecutiveFailures: 0, state: 'up', stateSince: T1, failingSince: null, transition: null });
  });

  it('one failed check is counted, not announced', () => {
    const up: PriorHealth = { ...fresh, state: 'up', stateSince: T1 };
    expect(decideHealth(up, { ok: false, at: T2 }, 'connected')).toEqual({ consecutiveFailures: 1, state: 'up', stateSince: T1, failingSince: T2, transition: null });
  });

  it('the second failed check in a row makes it failing since the first', () => {
    const once: PriorHealth = { consecutiveFailures: 1, state: 'up', stateSince: T1, failingSince: T2 };
    expect(decideHealth(once, { ok: false, at: T3 }, 'connected')).toEqual({ consecutiveFailures: 2, state: 'failing', stateSince: T2, failingSince: T2, transition: { type: 'failing', since: T2 } });
  });

  it('further failures while failing make no new transition', () => {
    const failing: PriorHealth = { consecutiveFailures: 2, state: 'failing', stateSince: T2, failingSince: T2 };
    expect(decideHealth(failing, { ok: false, at: T3 }, 'failing').transition).toBeNull();
  });

  it('the first good check after failing recovers', () => {
    const failing: PriorHealth = { consecutiveFailures: 3, state: 'failing', stateSince: T1, failingSince: T1 };
    expect(decideHealth(failing, { ok: true, at: T3 }, 'failing')).toEqual({ consecutiveFailures: 0, state: 'up', stateSince: T3, failingSince: null, transition: { type: 'recovered', since: T3 } });
  });

  it.each(['needs-authorization', 'needs-reauthorization', 'needs-configuration'] as const)('failures of a link that %s are not counted: the credential lifecycle owns that status', (status) => {
    const once: PriorHealth = { consecutiveFailures: 1, state: 'up', stateSince: T1, failingSince: T2 };
    expect(decideHealth(once, { ok: false, at: T3 }, status)).toMatchObject({ consecutiveFailures: 0, state: 'up', transition: null });
  });
});

it('the next check is due after the whole interval, with at most a tenth (at most a minute) of jitter', () => {
  const claimed = Date.parse(T1);
  expect(nextDueAfter(claimed, 15, () => 0)).toBe(T2);
  expect(Date.parse(nextDueAfter(claimed, 15, () => 0.999)) - Date.parse(T2)).toBeLessThanOrEqual(60_000);
  expect(Date.parse(nextDueAfter(claimed, 5, () => 0.999)) - claimed).toBeLessThan(5 * 60_000 + 30_000);
});

describe('uptime', () => {
  const now = new Date('2026-01-31T12:30:00.000Z');
  const hours = [
    { hour: '2026-01-01T13:00:00.000Z', checks: 4, failures: 4 }, // 30 days ago: in the month only
    { hour: '2026-01-25T12:00:00.000Z', checks: 4, failures: 2 }, // in the week
    { hour: '2026-01-30T12:00:00.000Z', checks: 4, failures: 1 }, // the first hour of the day window
    { hour: '2026-01-31T12:00:00.000Z', checks: 2, failures: 0 },
  ];

  it('counts good checks over all checks in whole hours of each window', () => {
    expect(windowStart(now, 24 * 3600_000)).toBe('2026-01-30T12:00:00.000Z');
    expect(uptimeOf(hours, windowStart(now, 24 * 3600_000))).toEqual({ ratio: 5 / 6, checks: 6 });
    expect(uptimeOf(hours, windowStart(now, 7 * 24 * 3600_000))).toEqual({ ratio: 7 / 10, checks: 10 });
    expect(uptimeOf(hours, windowStart(now, 30 * 24 * 3600_000))).toEqual({ ratio: 7 / 14, checks: 14 });
  });

  it('has no figure for a window without checks', () => {
    expect(uptimeOf([], windowStart(now, 3600_000))).toEqual({ ratio: null, checks: 0 });
  });
});

describe('breaks in', () => {
  const now = new Date('2026-01-01T00:00:00.000Z');
  const forecast = (days: number, kind: 'client-secret' | 'tls-certificate' = 'client-secret') => ({ kind, expiresAt: new Date(now.getTime() + days * 86_400_000 + 3600_000).toISOString(), source: 'entered with the secret' });

  it.each([
    [45, null],
    [30, 30],
    [20, 30],
    [14, 14],
    [10, 14],
    [7, 7],
    [1, 1],
    [0, 1],
  ])('%i days ahead crosses the %s-day threshold', (days, threshold) => {
    expect(breaksInThreshold(days)).toBe(threshold);
  });

  it('shows the soonest forecast within 30 days, with whole days left', () => {
    expect(breaksIn([forecast(40), forecast(10, 'tls-certificate'), forecast(20)], now)).toMatchObject({ kind: 'tls-certificate', daysLeft: 10, thresholdDays: 14 });
    expect(breaksIn([forecast(31)], now)).toBeNull();
  });
});
