import { computeRefreshAt, decideRefresh, nextAttemptAfter, DEFAULT_REFRESH_POLICY, EXPIRED_RETRY_MS } from '../../../connector/src/credentials/refresh-policy';

const T = Date.parse('2026-11-23T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const token = (overrides: Partial<Parameters<typeof decideRefresh>[0]> = {}) => ({
  state: 'valid' as const,
  expiresAt: iso(T + 3600_000),
  refreshAt: iso(T + 3300_000),
  nextAttemptAt: null,
  hasRefreshToken: true,
  ...overrides,
});

describe('refresh decision', () => {
  it('leaves a token alone before its refresh time (fresh)', () => {
    expect(decideRefresh(token(), T, false)).toEqual({ refresh: false, reason: 'fresh' });
  });
  it('refreshes from its refresh time on (due)', () => {
    expect(decideRefresh(token(), T + 3300_000, false)).toEqual({ refresh: true, reason: 'due' });
  });
  it('refreshes an expired token (expired)', () => {
    expect(decideRefresh(token(), T + 3600_000, false)).toEqual({ refresh: true, reason: 'expired' });
  });
  it('never refreshes a credential that needs re-authorization', () => {
    expect(decideRefresh(token({ state: 'needs-reauthorization' }), T + 7200_000, true)).toEqual({ refresh: false, reason: 'needs-reauthorization' });
  });
  it('waits for the back-off to end after a failure (backing-off)', () => {
    expect(decideRefresh(token({ nextAttemptAt: iso(T + 3400_000) }), T + 3350_000, false)).toEqual({ refresh: false, reason: 'backing-off' });
    expect(decideRefresh(token({ nextAttemptAt: iso(T + 3400_000) }), T + 3400_000, false)).toEqual({ refresh: true, reason: 'due' });
  });
  it('cannot refresh without a refresh token unless the grant can reissue (client credentials)', () => {
    expect(decideRefresh(token({ hasRefreshToken: false }), T + 3600_000, false)).toEqual({ refresh: false, reason: 'cannot-refresh' });
    expect(decideRefresh(token({ hasRefreshToken: false }), T + 3600_000, true)).toEqual({ refresh: true, reason: 'expired' });
  });
});

describe('refresh time', () => {
  it('refreshes a 1-hour token 5 minutes early plus up to a bounded jitter', () => {
    expect(computeRefreshAt(T, T + 3600_000, DEFAULT_REFRESH_POLICY, () => 0)).toBe(T + 3300_000);
    expect(computeRefreshAt(T, T + 3600_000, DEFAULT_REFRESH_POLICY, () => 1)).toBe(T + 3300_000 - 60_000);
  });
  it('uses a fraction of the lifetime for short-lived tokens and never refreshes before it was obtained', () => {
    expect(computeRefreshAt(T, T + 60_000, DEFAULT_REFRESH_POLICY, () => 0)).toBe(T + 48_000);
    expect(computeRefreshAt(T, T, DEFAULT_REFRESH_POLICY, () => 1)).toBe(T);
  });
  it('spreads tokens issued together over the jitter window', () => {
    const times = new Set(Array.from({ length: 50 }, (_, i) => computeRefreshAt(T, T + 3600_000, DEFAULT_REFRESH_POLICY, () => i / 50)));
    expect(times.size).toBe(50);
  });
});

describe('back-off', () => {
  it('grows exponentially with full jitter and is capped', () => {
    const p = DEFAULT_REFRESH_POLICY;
    expect(nextAttemptAfter(1, T, p, () => 0)).toBe(T + p.backoffBaseMs / 2);
    expect(nextAttemptAfter(1, T, p, () => 1)).toBe(T + p.backoffBaseMs);
    expect(nextAttemptAfter(3, T, p, () => 1)).toBe(T + p.backoffBaseMs * 4);
    expect(nextAttemptAfter(30, T, p, () => 1)).toBe(T + p.backoffMaxMs);
  });

  it('retries an expired token at least every EXPIRED_RETRY_MS, jittered over its second half, however many failures', () => {
    const p = DEFAULT_REFRESH_POLICY;
    const expired = T - 1_000;
    expect(nextAttemptAfter(30, T, p, () => 0, expired)).toBe(T + EXPIRED_RETRY_MS / 2);
    expect(nextAttemptAfter(30, T, p, () => 1, expired)).toBe(T + EXPIRED_RETRY_MS);
    // A short back-off is kept as it is.
    expect(nextAttemptAfter(1, T, p, () => 1, expired)).toBe(T + p.backoffBaseMs);
  });

  it('never lets the back-off of a valid token run more than EXPIRED_RETRY_MS past its expiry', () => {
    const p = DEFAULT_REFRESH_POLICY;
    const expiresAt = T + 60_000;
    expect(nextAttemptAfter(30, T, p, () => 1, expiresAt)).toBe(expiresAt + EXPIRED_RETRY_MS);
    expect(nextAttemptAfter(30, T, p, () => 0, expiresAt)).toBe(expiresAt + EXPIRED_RETRY_MS / 2);
  });
});
