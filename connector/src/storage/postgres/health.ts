/**
 * Scheduled checks' rows on PostgreSQL, shared by every replica. A claim is one UPDATE over the
 * due rows it locks with SKIP LOCKED (a replica never waits on rows another is claiming) and that
 * it re-checks as due, so two replicas never claim one row for one due time; a completion is one
 * transaction that writes only while the claim is still the row's.
 */
import type { CheckClaim, CheckCompletion, CheckScheduleRow, HealthStore, TransitionRow } from '../health-store';
import {
  addStageTimes,
  checkLimit,
  failureFromRow,
  hourFromRow,
  scheduleFromRow,
  SCHEDULE_COLUMNS,
  stageTimesFromJson,
  totalsFromRow,
  transitionFromRow,
  transitionValues,
  TRANSITION_COLUMNS,
} from '../records';
import type { PostgresConnection, Query } from './connection';

const INSERT_TRANSITION = `INSERT INTO link_transitions (${TRANSITION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`;
const HOUR_COLUMNS = 'link_id, hour, checks, failures, stages::text AS stages';

export function postgresHealth(c: PostgresConnection): HealthStore {
  const { query, transaction } = c;
  return {
    async seed(dueAt, limit) {
      checkLimit(limit);
      const { rows } = await query({}, 'SELECT id FROM links l WHERE NOT EXISTS (SELECT 1 FROM link_checks k WHERE k.link_id = l.id) LIMIT $1', [limit]);
      if (rows.length === 0) return 0;
      const ids = rows.map((row: { id: string }) => row.id);
      try {
        const result = await query(
          {},
          `INSERT INTO link_checks (link_id, next_due_at)
           SELECT v.id, v.due FROM unnest($1::text[], $2::text[]) AS v (id, due) JOIN links l ON l.id = v.id
           ON CONFLICT (link_id) DO NOTHING`,
          [ids, ids.map(dueAt)],
        );
        return result.rowCount ?? 0;
      } catch (error) {
        // A link deleted while this ran fails the foreign key; the next scan seeds the others.
        if (c.classify(error) === 'foreign_key') return 0;
        throw error;
      }
    },

    async claimDue(now, leaseUntil, claimId, limit): Promise<CheckClaim[]> {
      checkLimit(limit);
      const { rows } = await query(
        {},
        `UPDATE link_checks k SET next_due_at = $2, claim_id = $3, claimed_at = $1
         FROM (SELECT link_id FROM link_checks WHERE next_due_at <= $1 ORDER BY next_due_at LIMIT $4 FOR UPDATE SKIP LOCKED) due
         WHERE k.link_id = due.link_id AND k.next_due_at <= $1
         RETURNING ${SCHEDULE_COLUMNS.split(', ').map((col) => `k.${col}`).join(', ')}`,
        [now, leaseUntil, claimId, limit],
      );
      return rows.map(scheduleFromRow).sort((a, b) => (a.linkId < b.linkId ? -1 : 1)) as CheckClaim[];
    },

    async complete(done: CheckCompletion) {
      return transaction({}, async (q: Query) => {
        const k = done.check;
        const updated =
          k === undefined
            ? await q('UPDATE link_checks SET next_due_at = $1, claim_id = NULL WHERE link_id = $2 AND claim_id = $3', [done.nextDueAt, done.linkId, done.claimId])
            : await q(
                `UPDATE link_checks SET next_due_at = $1, claim_id = NULL, consecutive_failures = $2, state = $3, state_since = $4, failing_since = $5, last_checked_at = $6
                 WHERE link_id = $7 AND claim_id = $8`,
                [done.nextDueAt, k.consecutiveFailures, k.state, k.stateSince, k.failingSince, k.at, done.linkId, done.claimId],
              );
        if ((updated.rowCount ?? 0) === 0 || k === undefined) return (updated.rowCount ?? 0) > 0;
        const prior = await q('SELECT stages::text AS stages FROM link_health_hours WHERE link_id = $1 AND hour = $2 FOR UPDATE', [done.linkId, k.hour]);
        const stages = addStageTimes(stageTimesFromJson((prior.rows[0] as { stages: string } | undefined)?.stages), k.stages);
        await q(
          `INSERT INTO link_health_hours (link_id, hour, checks, failures, stages) VALUES ($1, $2, 1, $3, $4::jsonb)
           ON CONFLICT (link_id, hour) DO UPDATE SET checks = link_health_hours.checks + 1, failures = link_health_hours.failures + excluded.failures, stages = excluded.stages`,
          [done.linkId, k.hour, k.ok ? 0 : 1, JSON.stringify(stages)],
        );
        if (k.failure !== null) {
          const f = k.failure;
          await q('INSERT INTO link_health_failures (link_id, at, stage, code, message, hint, ms) VALUES ($1, $2, $3, $4, $5, $6, $7)', [f.linkId, f.at, f.stage, f.code, f.message, f.hint, f.ms]);
        }
        if (k.transition !== null) await q(INSERT_TRANSITION, transitionValues(k.transition));
        return true;
      });
    },

    async reschedule(linkId, at) {
      await query({}, 'UPDATE link_checks SET next_due_at = $1 WHERE link_id = $2 AND claim_id IS NULL', [at, linkId]);
    },

    async getSchedule(linkId) {
      const { rows } = await query({}, `SELECT ${SCHEDULE_COLUMNS} FROM link_checks WHERE link_id = $1`, [linkId]);
      return rows[0] === undefined ? undefined : scheduleFromRow(rows[0]);
    },

    async getSchedules(linkIds) {
      const { rows } = await query({}, `SELECT ${SCHEDULE_COLUMNS} FROM link_checks WHERE link_id = ANY($1::text[])`, [linkIds]);
      return new Map<string, CheckScheduleRow>(rows.map(scheduleFromRow).map((r) => [r.linkId, r]));
    },

    async hours(linkId, since) {
      const { rows } = await query({}, `SELECT ${HOUR_COLUMNS} FROM link_health_hours WHERE link_id = $1 AND hour >= $2 ORDER BY hour`, [linkId, since]);
      return rows.map(hourFromRow);
    },

    async hourTotals(linkIds, since) {
      const { rows } = await query(
        {},
        `SELECT link_id, sum(checks)::int AS checks, sum(failures)::int AS failures FROM link_health_hours
         WHERE link_id = ANY($1::text[]) AND hour >= $2 GROUP BY link_id`,
        [linkIds, since],
      );
      return new Map(rows.map(totalsFromRow).map(({ linkId, ...t }) => [linkId, t]));
    },

    async failures(linkId, since, limit) {
      checkLimit(limit);
      const { rows } = await query({}, 'SELECT link_id, at, stage, code, message, hint, ms FROM link_health_failures WHERE link_id = $1 AND at >= $2 ORDER BY at DESC LIMIT $3', [linkId, since, limit]);
      return rows.map(failureFromRow);
    },

    async transitions(linkId, since, limit) {
      checkLimit(limit);
      const { rows } = await query({}, `SELECT ${TRANSITION_COLUMNS} FROM link_transitions WHERE link_id = $1 AND at >= $2 ORDER BY at DESC, id DESC LIMIT $3`, [linkId, since, limit]);
      return rows.map(transitionFromRow);
    },

    async transitionsSince(since, limit) {
      checkLimit(limit);
      const { rows } = await query({}, `SELECT ${TRANSITION_COLUMNS} FROM link_transitions WHERE at >= $1 ORDER BY at, id LIMIT $2`, [since, limit]);
      return rows.map(transitionFromRow);
    },

    async recordTransition(row: TransitionRow) {
      await query({}, INSERT_TRANSITION, transitionValues(row));
    },

    async purge(before) {
      return transaction({}, async (q) => {
        const hours = await q('DELETE FROM link_health_hours WHERE hour < $1', [before]);
        const failures = await q('DELETE FROM link_health_failures WHERE at < $1', [before]);
        return (hours.rowCount ?? 0) + (failures.rowCount ?? 0);
      });
    },
  };
}
