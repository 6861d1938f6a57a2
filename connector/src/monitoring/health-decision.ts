import type { LinkStatus } from '../../../contract';
import type { HealthStateValue } from '../storage/health-store';

/** Failed checks in a row that make a link failing: one can be a blip (a deploy, a dropped packet). */
export const FAILURES_TO_FAIL = 2;

/**
 * Statuses in which checks decide the health state. The others belong to the credential lifecycle
 * (needs configuration, authorization, re-authorization): there a check fails by design, and
 * announcing it as an outage would be noise a person already sees.
 */
export const WATCHED_STATUSES: ReadonlySet<LinkStatus> = new Set(['connected', 'failing', 'outgoing-only']);

export interface PriorHealth {
  consecutiveFailures: number;
  state: HealthStateValue | null;
  stateSince: string | null;
  failingSince: string | null;
}

export interface HealthDecision {
  consecutiveFailures: number;
  state: HealthStateValue;
  stateSince: string;
  failingSince: string | null;
  /** The transition this check makes, if any, and since when the new state holds. */
  transition: { type: 'failing' | 'recovered'; since: string } | null;
}

/**
 * What one check means for a link's health, as a pure function: two failed checks in a row make it
 * failing (since the first of them), the first good one makes it up again. A link whose status
 * the credential lifecycle owns keeps its state, and its failures are not counted.
 */
export function decideHealth(prior: PriorHealth, check: { ok: boolean; at: string }, status: LinkStatus): HealthDecision {
  const state = prior.state ?? 'up';
  const stateSince = prior.stateSince ?? check.at;
  if (check.ok) {
    if (state === 'failing') return { consecutiveFailures: 0, state: 'up', stateSince: check.at, failingSince: null, transition: { type: 'recovered', since: check.at } };
    return { consecutiveFailures: 0, state: 'up', stateSince, failingSince: null, transition: null };
  }
  if (!WATCHED_STATUSES.has(status)) return { consecutiveFailures: 0, state, stateSince, failingSince: null, transition: null };
  const failures = prior.consecutiveFailures + 1;
  const failingSince = prior.failingSince ?? check.at;
  if (state === 'up' && failures >= FAILURES_TO_FAIL) {
    return { consecutiveFailures: failures, state: 'failing', stateSince: failingSince, failingSince, transition: { type: 'failing', since: failingSince } };
  }
  return { consecutiveFailures: failures, state, stateSince, failingSince, transition: null };
}

/** The hour a timestamp falls in, as the start of that hour (UTC). */
export function hourOf(at: string): string {
  const t = new Date(at);
  t.setUTCMinutes(0, 0, 0);
  return t.toISOString();
}

/**
 * When a link is next due after a check claimed at `claimedAt`: the interval plus up to a tenth of
 * it (at most a minute) of jitter, so links checked together drift apart, and never sooner than
 * the interval, so no link is checked twice in one interval.
 */
export function nextDueAfter(claimedAt: number, intervalMinutes: number, random: () => number): string {
  const intervalMs = intervalMinutes * 60_000;
  return new Date(claimedAt + intervalMs + Math.floor(random() * Math.min(intervalMs / 10, 60_000))).toISOString();
}
