import { computeRefreshAt, computeUserRefreshAt, DEFAULT_REFRESH_POLICY } from '../../../connector/src/credentials/refresh-policy';

/**
 * Per-user links: a thousand users who connect in the same second must not refresh in the same
 * minute an hour later. Their refresh times are drawn over a window of a quarter of the lifetime
 * (at most 15 minutes) before the usual time, never before the token was obtained.
 */
const HOUR = 3600_000;
const T = Date.parse('2026-06-01T09:00:00Z');

it('spreads 1,000 users connected in the same second over about 15 minutes, none later than the usual refresh, none before they connected', () => {
  let seed = 42;
  const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const times = Array.from({ length: 1000 }, () => computeUserRefreshAt(T, T + HOUR, DEFAULT_REFRESH_POLICY, random)).sort((a, b) => a - b);
  const usualLatest = T + HOUR - 5 * 60_000;
  expect(times[times.length - 1]!).toBeLessThanOrEqual(usualLatest);
  expect(times[0]!).toBeGreaterThanOrEqual(T);
  expect(times[times.length - 1]! - times[0]!).toBeGreaterThan(14 * 60_000);
  // No minute holds more than a tenth of them (all together would be 1,000 in one minute).
  const perMinute = new Map<number, number>();
  for (const t of times) perMinute.set(Math.floor(t / 60_000), (perMinute.get(Math.floor(t / 60_000)) ?? 0) + 1);
  expect(Math.max(...perMinute.values())).toBeLessThan(100);
});

it("keeps the link's own credential on the usual, narrower jitter", () => {
  const own = Array.from({ length: 200 }, () => computeRefreshAt(T, T + HOUR, DEFAULT_REFRESH_POLICY, Math.random));
  expect(Math.max(...own) - Math.min(...own)).toBeLessThanOrEqual(60_000);
});

it('never schedules a short-lived user token before it was obtained', () => {
  expect(computeUserRefreshAt(T, T + 60_000, DEFAULT_REFRESH_POLICY, () => 1)).toBeGreaterThanOrEqual(T);
});
