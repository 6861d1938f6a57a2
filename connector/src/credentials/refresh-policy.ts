import type { TokenRecord } from '../storage/store';

/**
 * When to refresh, as pure functions of the token and the time, so each rule is tested on its own
 * (one case per reason) and the service only acts on the answer.
 */
export interface RefreshPolicy {
  /** Refresh this long before expiry at most... */
  marginMs: number;
  /** ...but never earlier than this fraction of the lifetime before expiry (short-lived tokens). */
  marginFraction: number;
  /** Spread scheduled refreshes over this much extra time so tokens issued together do not refresh together. */
  jitterMs: number;
  /** Back-off after a failed refresh: base * 2^(failures-1), capped, with full jitter. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /**
   * Users' credentials (per-user links) refresh anywhere in a wider window before the usual time:
   * this fraction of the lifetime, at most `userSpreadMaxMs`. Thousands of users who connected in
   * the same minute (an announcement, a re-connect after an outage) then do not refresh in the
   * same minute an hour later, and each refresh draws again, so they stay spread.
   */
  userSpreadFraction?: number;
  userSpreadMaxMs?: number;
}

export const DEFAULT_REFRESH_POLICY: RefreshPolicy = {
  marginMs: 5 * 60_000,
  marginFraction: 0.2,
  jitterMs: 60_000,
  backoffBaseMs: 5_000,
  backoffMaxMs: 10 * 60_000,
  userSpreadFraction: 0.25,
  userSpreadMaxMs: 15 * 60_000,
};

export type RefreshDecision =
  | { refresh: false; reason: 'fresh' | 'needs-reauthorization' | 'backing-off' | 'cannot-refresh' }
  | { refresh: true; reason: 'expired' | 'due' };

/**
 * Whether a credential needs a refresh now. `cannot-refresh`: no refresh token and no grant that
 * can get a new token without a person (the caller decides: client credentials can).
 */
export function decideRefresh(token: Pick<TokenRecord, 'state' | 'expiresAt' | 'refreshAt' | 'nextAttemptAt' | 'hasRefreshToken'>, now: number, canReissue: boolean): RefreshDecision {
  if (token.state === 'needs-reauthorization') return { refresh: false, reason: 'needs-reauthorization' };
  const expired = Date.parse(token.expiresAt) <= now;
  const due = Date.parse(token.refreshAt) <= now;
  if (!expired && !due) return { refresh: false, reason: 'fresh' };
  if (!token.hasRefreshToken && !canReissue) return { refresh: false, reason: 'cannot-refresh' };
  if (token.nextAttemptAt !== null && Date.parse(token.nextAttemptAt) > now) return { refresh: false, reason: 'backing-off' };
  return { refresh: true, reason: expired ? 'expired' : 'due' };
}

/**
 * When a freshly obtained token should be refreshed: before expiry by the margin (or by a fraction
 * of its lifetime, whichever is smaller), minus a random jitter bounded by a quarter of the margin
 * so the refresh is never pushed past expiry.
 */
export function computeRefreshAt(obtainedAt: number, expiresAt: number, policy: RefreshPolicy, random: () => number): number {
  const lifetime = Math.max(0, expiresAt - obtainedAt);
  const margin = Math.min(policy.marginMs, lifetime * policy.marginFraction);
  const jitter = Math.min(policy.jitterMs, margin / 4) * random();
  return Math.max(obtainedAt, expiresAt - margin - jitter);
}

/**
 * A credential whose token is expired (or will be by its next attempt) retries at least this
 * often, so a link recovers soon after its provider does. Drawn in [half, whole] of it; with the
 * scheduler's 5 s scan the gap between attempts stays within 30 s.
 */
export const EXPIRED_RETRY_MS = 25_000;

/**
 * The time of the next attempt after `failures` consecutive failures (exponential, full jitter),
 * but never later than `EXPIRED_RETRY_MS` (jittered) past the token's expiry: a back-off that ran
 * past expiry would leave consumers without a token for minutes after the provider came back.
 */
export function nextAttemptAfter(failures: number, now: number, policy: RefreshPolicy, random: () => number, expiresAt = Number.POSITIVE_INFINITY): number {
  const ceiling = Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** Math.max(0, failures - 1));
  const backoff = now + Math.round(ceiling / 2 + (ceiling / 2) * random());
  const latest = Math.max(now, expiresAt) + Math.round(EXPIRED_RETRY_MS / 2 + (EXPIRED_RETRY_MS / 2) * random());
  return Math.min(backoff, latest);
}

/**
 * When a user's freshly obtained token should be refreshed: the usual time (`computeRefreshAt`)
 * minus a uniform draw over the user spread, never before it was obtained.
 */
export function computeUserRefreshAt(obtainedAt: number, expiresAt: number, policy: RefreshPolicy, random: () => number): number {
  const usual = computeRefreshAt(obtainedAt, expiresAt, policy, random);
  const lifetime = Math.max(0, expiresAt - obtainedAt);
  const spread = Math.min(policy.userSpreadMaxMs ?? 0, lifetime * (policy.userSpreadFraction ?? 0));
  return Math.max(obtainedAt, usual - spread * random());
}
