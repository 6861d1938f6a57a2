/**
 * Rows of the health tables (migration 0010), parsed at the storage edge like every other row.
 * Stage times are a JSON column: text in both dialects (PostgreSQL reads `stages::text`).
 */
import { z } from 'zod';
import { HealthTransitionTypeSchema } from '../../../../contract';
import type { CheckScheduleRow, FailureRow, HourRow, StageTimes, TransitionRow } from '../health-store';
import { CountSchema, IdSchema, JsonTextSchema, NullableString, parseRow, TimestampSchema } from './common';

const NullableTimestamp = TimestampSchema.nullable();

const ScheduleRowSchema = z.object({
  link_id: IdSchema,
  next_due_at: NullableTimestamp,
  claim_id: NullableString,
  claimed_at: NullableTimestamp,
  consecutive_failures: CountSchema,
  state: z.enum(['up', 'failing']).nullable(),
  state_since: NullableTimestamp,
  failing_since: NullableTimestamp,
  last_checked_at: NullableTimestamp,
});

export const SCHEDULE_COLUMNS = 'link_id, next_due_at, claim_id, claimed_at, consecutive_failures, state, state_since, failing_since, last_checked_at';

export function scheduleFromRow(row: unknown): CheckScheduleRow {
  const r = parseRow(ScheduleRowSchema, row, 'link_checks');
  return {
    linkId: r.link_id,
    nextDueAt: r.next_due_at,
    claimId: r.claim_id,
    claimedAt: r.claimed_at,
    consecutiveFailures: r.consecutive_failures,
    state: r.state,
    stateSince: r.state_since,
    failingSince: r.failing_since,
    lastCheckedAt: r.last_checked_at,
  };
}

const StageTimesSchema = z.record(z.string(), z.object({ ms: z.number().nonnegative(), runs: CountSchema }));

const HourRowSchema = z.object({
  link_id: IdSchema,
  hour: TimestampSchema,
  checks: CountSchema,
  failures: CountSchema,
  stages: JsonTextSchema.pipe(StageTimesSchema),
});

export function hourFromRow(row: unknown): HourRow {
  const r = parseRow(HourRowSchema, row, 'link_health_hours');
  return { linkId: r.link_id, hour: r.hour, checks: r.checks, failures: r.failures, stages: r.stages };
}

export function stageTimesFromJson(text: string | undefined): StageTimes {
  return text === undefined ? {} : parseRow(JsonTextSchema.pipe(StageTimesSchema), text, 'link_health_hours.stages');
}

/** `b` added into `a`, per stage. */
export function addStageTimes(a: StageTimes, b: StageTimes): StageTimes {
  const sum: StageTimes = { ...a };
  for (const [stage, t] of Object.entries(b)) {
    const prior = sum[stage] ?? { ms: 0, runs: 0 };
    sum[stage] = { ms: Math.round((prior.ms + t.ms) * 10) / 10, runs: prior.runs + t.runs };
  }
  return sum;
}

const FailureRowSchema = z.object({
  link_id: IdSchema,
  at: TimestampSchema,
  stage: z.string(),
  code: z.string(),
  message: z.string(),
  hint: z.string(),
  ms: z.number(),
});

export function failureFromRow(row: unknown): FailureRow {
  const r = parseRow(FailureRowSchema, row, 'link_health_failures');
  return { linkId: r.link_id, at: r.at, stage: r.stage, code: r.code, message: r.message, hint: r.hint, ms: r.ms };
}

const TransitionRowSchema = z.object({
  id: IdSchema,
  link_id: IdSchema,
  link_name: z.string(),
  type: HealthTransitionTypeSchema,
  at: TimestampSchema,
  stage: NullableString,
  code: NullableString,
  hint: NullableString,
  since: TimestampSchema,
});

export const TRANSITION_COLUMNS = 'id, link_id, link_name, type, at, stage, code, hint, since';

export function transitionFromRow(row: unknown): TransitionRow {
  const r = parseRow(TransitionRowSchema, row, 'link_transitions');
  return { id: r.id, linkId: r.link_id, linkName: r.link_name, type: r.type, at: r.at, stage: r.stage, code: r.code, hint: r.hint, since: r.since };
}

/** A transition's values in column order (TRANSITION_COLUMNS). */
export function transitionValues(t: TransitionRow): unknown[] {
  return [t.id, t.linkId, t.linkName, t.type, t.at, t.stage, t.code, t.hint, t.since];
}

export function totalsFromRow(row: unknown): { linkId: string; checks: number; failures: number } {
  const r = parseRow(z.object({ link_id: IdSchema, checks: CountSchema, failures: CountSchema }), row, 'link_health_hours totals');
  return { linkId: r.link_id, checks: r.checks, failures: r.failures };
}
