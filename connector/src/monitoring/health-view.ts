import {
  breaksInThreshold,
  CHECK_INTERVAL_MINUTES,
  type BreaksIn,
  type Forecast,
  type LinkHealth,
  type LinkHealthSummary,
  type Uptime,
} from '../../../contract';
import type { CheckScheduleRow, HourRow } from '../storage/health-store';
import type { LinkRecord, Store } from '../storage/store';
import type { ForecastSource } from './seams';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
export const HISTORY_DAYS = 30;
const FAILURES_SHOWN = 200;
const TRANSITIONS_SHOWN = 200;

export interface HealthViewDeps {
  store: Store;
  forecasts?: ForecastSource | undefined;
  now: () => Date;
}

/**
 * The start of a window `ms` long that ends now, rounded down to its hour: successes are kept as
 * hourly counts, so a window takes whole hours (the 24-hour figure covers 24 to 25 hours).
 */
export function windowStart(now: Date, ms: number): string {
  const t = new Date(now.getTime() - ms);
  t.setUTCMinutes(0, 0, 0);
  return t.toISOString();
}

/** Good checks over all checks in the hours at or after `since`. */
export function uptimeOf(hours: readonly Pick<HourRow, 'hour' | 'checks' | 'failures'>[], since: string): Uptime {
  let checks = 0;
  let failures = 0;
  for (const h of hours) {
    if (h.hour < since) continue;
    checks += h.checks;
    failures += h.failures;
  }
  return { ratio: checks === 0 ? null : (checks - failures) / checks, checks };
}

/** The soonest forecast within 30 days, with whole days left and the threshold it crossed. */
export function breaksIn(forecasts: readonly Forecast[], now: Date): BreaksIn | null {
  let soonest: BreaksIn | null = null;
  for (const f of forecasts) {
    const daysLeft = Math.floor((Date.parse(f.expiresAt) - now.getTime()) / DAY);
    const threshold = breaksInThreshold(daysLeft);
    if (threshold === null || Number.isNaN(daysLeft)) continue;
    if (soonest === null || daysLeft < soonest.daysLeft) soonest = { ...f, daysLeft, thresholdDays: threshold };
  }
  return soonest;
}

function summaryOf(schedule: CheckScheduleRow | undefined, uptime24h: Uptime, forecasts: readonly Forecast[], now: Date): LinkHealthSummary {
  return {
    state: schedule?.state ?? 'unknown',
    since: schedule?.stateSince ?? null,
    consecutiveFailures: schedule?.consecutiveFailures ?? 0,
    lastCheckedAt: schedule?.lastCheckedAt ?? null,
    uptime24h,
    breaksIn: breaksIn(forecasts, now),
  };
}

async function forecastsOf(deps: HealthViewDeps, linkId: string): Promise<Forecast[]> {
  return deps.forecasts === undefined ? [] : deps.forecasts.forecasts(linkId);
}

/** `GET /v1/links/:id/health`: 30 days of checks, uptime, stage latency, transitions, forecasts. */
export async function linkHealth(deps: HealthViewDeps, link: LinkRecord): Promise<LinkHealth> {
  const now = deps.now();
  const since = windowStart(now, HISTORY_DAYS * DAY);
  const [schedule, hours, failures, transitions, forecasts] = await Promise.all([
    deps.store.health.getSchedule(link.id),
    deps.store.health.hours(link.id, since),
    deps.store.health.failures(link.id, since, FAILURES_SHOWN),
    deps.store.health.transitions(link.id, since, TRANSITIONS_SHOWN),
    forecastsOf(deps, link.id),
  ]);
  const latency = new Map<string, { ms: number; runs: number }>();
  for (const h of hours) {
    for (const [stage, t] of Object.entries(h.stages)) {
      const sum = latency.get(stage) ?? { ms: 0, runs: 0 };
      latency.set(stage, { ms: sum.ms + t.ms, runs: sum.runs + t.runs });
    }
  }
  const interval = link.checkIntervalMinutes === undefined ? CHECK_INTERVAL_MINUTES.default : link.checkIntervalMinutes;
  const last = failures[0];
  return {
    ...summaryOf(schedule, uptimeOf(hours, windowStart(now, DAY)), forecasts, now),
    linkId: link.id,
    intervalMinutes: interval,
    nextCheckAt: interval === null ? null : (schedule?.nextDueAt ?? null),
    lastFailure: schedule?.state === 'failing' && last !== undefined ? { at: last.at, stage: last.stage, code: last.code, message: last.message, hint: last.hint, ms: last.ms } : null,
    uptime: { day: uptimeOf(hours, windowStart(now, DAY)), week: uptimeOf(hours, windowStart(now, 7 * DAY)), month: uptimeOf(hours, since) },
    latency: [...latency].filter(([, t]) => t.runs > 0).map(([stage, t]) => ({ stage, meanMs: Math.round((t.ms / t.runs) * 10) / 10, runs: t.runs })),
    hours: hours.map((h) => ({ hour: h.hour, checks: h.checks, failures: h.failures })),
    failures: failures.map(({ linkId: _, ...f }) => f),
    transitions,
    forecasts,
  };
}

/** The badge of each link in `links`, in a fixed number of queries (plus the forecast source, per link). */
export async function healthSummaries(deps: HealthViewDeps, linkIds: readonly string[]): Promise<Map<string, LinkHealthSummary>> {
  const now = deps.now();
  const [schedules, totals, forecasts] = await Promise.all([
    deps.store.health.getSchedules(linkIds),
    deps.store.health.hourTotals(linkIds, windowStart(now, DAY)),
    Promise.all(linkIds.map((id) => forecastsOf(deps, id))),
  ]);
  return new Map(
    linkIds.map((id, i) => {
      const t = totals.get(id);
      const uptime: Uptime = t === undefined || t.checks === 0 ? { ratio: null, checks: 0 } : { ratio: (t.checks - t.failures) / t.checks, checks: t.checks };
      return [id, summaryOf(schedules.get(id), uptime, forecasts[i] ?? [], now)];
    }),
  );
}
