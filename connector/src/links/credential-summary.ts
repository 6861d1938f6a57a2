import type { CredentialSummary } from '../../../contract';
import type { CredentialTally } from '../storage/store';

/** A link's credentials as callers see them: state and times, never a token. */
export function credentialSummary(tally: CredentialTally | undefined, now: Date): CredentialSummary {
  const own = tally?.own ?? null;
  const users = {
    authorized: tally?.users ?? 0,
    needReauthorization: tally?.usersNeedingReauthorization ?? 0,
    soonestExpiry: tally?.soonestUserExpiry ?? null,
  };
  if (own === null) {
    return { state: 'none', expiresAt: null, refreshAt: null, hasRefreshToken: false, failedRefreshes: 0, lastErrorCode: null, users };
  }
  // Timestamps are ISO-8601 UTC as written by the store, so they compare as text.
  const state = own.state === 'needs-reauthorization' ? 'needs-reauthorization' : own.expiresAt <= now.toISOString() ? 'expired' : 'valid';
  return {
    state,
    expiresAt: own.expiresAt,
    refreshAt: state === 'needs-reauthorization' ? null : own.refreshAt,
    hasRefreshToken: own.hasRefreshToken,
    failedRefreshes: own.failureCount,
    lastErrorCode: own.lastErrorCode,
    users,
  };
}
