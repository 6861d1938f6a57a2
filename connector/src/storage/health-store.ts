/**
 * Scheduled checks and their history (migration 0010): one schedule row per link (when it is due,
 * who claimed it, the failure streak and the health state), hourly buckets of checks, failed checks
 * kept whole, and the transition log. Both adapters implement it and one conformance suite holds
 * them to it.
 *
 * Exactly once per interval across replicas rests on `claimDue`: a claim moves the row's due time
 * past the lease in the same conditional update that selects it, so a second replica's claim finds
 * the row not due; `complete` writes the outcome only while the claim is still the row's, and the
 * transition goes in that same transaction, so a transition is recorded once whoever runs the check.
 */
import type { HealthTransitionType } from '../../../contract';

export type HealthStateValue = 'up' | 'failing';

/** A link's schedule and health state. */
export interface CheckScheduleRow {
  linkId: string;
  nextDueAt: string | null;
  claimId: string | null;
  claimedAt: string | null;
  consecutiveFailures: number;
  /** null before the first check. */
  state: HealthStateValue | null;
  stateSince: string | null;
  /** The first failed check of the current streak; null after a good one. */
  failingSince: string | null;
  lastCheckedAt: string | null;
}

/** A due check this process now owns until `leaseUntil` (or until it completes). */
export interface CheckClaim extends CheckScheduleRow {
  claimId: string;
  claimedAt: string;
}

export interface TransitionRow {
  id: string;
  linkId: string;
  linkName: string;
  type: HealthTransitionType;
  at: string;
  stage: string | null;
  code: string | null;
  hint: string | null;
  since: string;
}

export interface FailureRow {
  linkId: string;
  at: string;
  stage: string;
  code: string;
  message: string;
  hint: string;
  ms: number;
}

/** Per stage: total milliseconds and how many checks ran it. */
export type StageTimes = Record<string, { ms: number; runs: number }>;

export interface HourRow {
  linkId: string;
  /** The hour's start, a UTC timestamp. */
  hour: string;
  checks: number;
  failures: number;
  stages: StageTimes;
}

/** What one finished check writes, atomically, if the claim is still the row's. */
export interface CheckCompletion {
  linkId: string;
  claimId: string;
  nextDueAt: string | null;
  /** The check's outcome; absent when no check ran (checks off: only the schedule moves). */
  check?: {
    at: string;
    ok: boolean;
    consecutiveFailures: number;
    state: HealthStateValue;
    stateSince: string;
    failingSince: string | null;
    /** The hour bucket this check adds to, and its stage times. */
    hour: string;
    stages: StageTimes;
    failure: FailureRow | null;
    transition: TransitionRow | null;
  };
}

export interface HealthStore {
  /**
   * Gives up to `limit` links that have no schedule row one, due at the time `dueAt` picks for
   * each (spreading the first checks). Returns how many rows it added; replicas may race, the
   * first insert wins.
   */
  seed(dueAt: (linkId: string) => string, limit: number): Promise<number>;
  /**
   * Claims up to `limit` rows due at `now` (soonest first): each gets `claimId`, `claimedAt = now`
   * and `nextDueAt = leaseUntil`, in one conditional update, so no two callers claim one row for
   * the same due time. Rows another transaction is claiming are skipped, not waited for.
   */
  claimDue(now: string, leaseUntil: string, claimId: string, limit: number): Promise<CheckClaim[]>;
  /** Writes a finished check; false (and nothing written) when the claim was lost (lease expired and taken). */
  complete(completion: CheckCompletion): Promise<boolean>;
  /** Makes a link due at `at` (an interval changed), unless it is claimed right now. */
  reschedule(linkId: string, at: string): Promise<void>;
  getSchedule(linkId: string): Promise<CheckScheduleRow | undefined>;
  /** Schedule rows of several links, in one query. */
  getSchedules(linkIds: readonly string[]): Promise<Map<string, CheckScheduleRow>>;
  /** Hour buckets from `since` on, oldest first. */
  hours(linkId: string, since: string): Promise<HourRow[]>;
  /** Check and failure counts per link from `since` on, in one query. */
  hourTotals(linkIds: readonly string[], since: string): Promise<Map<string, { checks: number; failures: number }>>;
  /** Failures from `since` on, newest first. */
  failures(linkId: string, since: string, limit: number): Promise<FailureRow[]>;
  /** A link's transitions from `since` on, newest first. */
  transitions(linkId: string, since: string, limit: number): Promise<TransitionRow[]>;
  /** Every link's transitions recorded at or after `since`, oldest first. */
  transitionsSince(since: string, limit: number): Promise<TransitionRow[]>;
  /** Records a transition that no check decided (the refresh path's needs-reauthorization). */
  recordTransition(row: TransitionRow): Promise<void>;
  /** Deletes hour buckets and failures older than `before` (transitions stay: they are the audit). */
  purge(before: string): Promise<number>;
}
