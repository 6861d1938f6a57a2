/**
 * Scheduled checks' rows on SQLite (one process): every claim and completion is one write
 * transaction, which SQLite runs one at a time, so the conditional updates cannot interleave.
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
import type { SqliteConnection } from './connection';

export function sqliteHealth(c: SqliteConnection): HealthStore {
  const insertTransition = (t: TransitionRow): void => {
    c.sql(`INSERT INTO link_transitions (${TRANSITION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`).run(...transitionValues(t));
  };
  return {
    async seed(dueAt, limit) {
      checkLimit(limit);
      return c.writeTransaction({}, () => {
        const ids = c.sql('SELECT id FROM links WHERE NOT EXISTS (SELECT 1 FROM link_checks k WHERE k.link_id = links.id) LIMIT ?').all(limit) as { id: string }[];
        const insert = c.sql('INSERT INTO link_checks (link_id, next_due_at) VALUES (?, ?) ON CONFLICT (link_id) DO NOTHING');
        return ids.reduce((added, { id }) => added + insert.run(id, dueAt(id)).changes, 0);
      });
    },

    async claimDue(now, leaseUntil, claimId, limit): Promise<CheckClaim[]> {
      checkLimit(limit);
      const rows = c.writeTransaction({}, () =>
        c
          .sql(
            `UPDATE link_checks SET next_due_at = ?, claim_id = ?, claimed_at = ?
             WHERE link_id IN (SELECT link_id FROM link_checks WHERE next_due_at <= ? ORDER BY next_due_at LIMIT ?) AND next_due_at <= ?
             RETURNING ${SCHEDULE_COLUMNS}`,
          )
          .all(leaseUntil, claimId, now, now, limit, now),
      );
      return rows.map(scheduleFromRow).sort((a, b) => (a.linkId < b.linkId ? -1 : 1)) as CheckClaim[];
    },

    async complete(done: CheckCompletion) {
      return c.writeTransaction({}, () => {
        const k = done.check;
        const updated =
          k === undefined
            ? c.sql('UPDATE link_checks SET next_due_at = ?, claim_id = NULL WHERE link_id = ? AND claim_id = ?').run(done.nextDueAt, done.linkId, done.claimId)
            : c
                .sql(
                  `UPDATE link_checks SET next_due_at = ?, claim_id = NULL, consecutive_failures = ?, state = ?, state_since = ?, failing_since = ?, last_checked_at = ?
                   WHERE link_id = ? AND claim_id = ?`,
                )
                .run(done.nextDueAt, k.consecutiveFailures, k.state, k.stateSince, k.failingSince, k.at, done.linkId, done.claimId);
        if (updated.changes === 0 || k === undefined) return updated.changes > 0;
        const prior = c.sql('SELECT stages FROM link_health_hours WHERE link_id = ? AND hour = ?').get(done.linkId, k.hour) as { stages: string } | undefined;
        c.sql(
          `INSERT INTO link_health_hours (link_id, hour, checks, failures, stages) VALUES (?, ?, 1, ?, ?)
           ON CONFLICT (link_id, hour) DO UPDATE SET checks = checks + 1, failures = failures + excluded.failures, stages = excluded.stages`,
        ).run(done.linkId, k.hour, k.ok ? 0 : 1, JSON.stringify(addStageTimes(stageTimesFromJson(prior?.stages), k.stages)));
        if (k.failure !== null) {
          const f = k.failure;
          c.sql('INSERT INTO link_health_failures (link_id, at, stage, code, message, hint, ms) VALUES (?, ?, ?, ?, ?, ?, ?)').run(f.linkId, f.at, f.stage, f.code, f.message, f.hint, f.ms);
        }
        if (k.transition !== null) insertTransition(k.transition);
        return true;
      });
    },

    async reschedule(linkId, at) {
      c.run({}, () => c.sql('UPDATE link_checks SET next_due_at = ? WHERE link_id = ? AND claim_id IS NULL').run(at, linkId));
    },

    async getSchedule(linkId) {
      const row = c.run({}, () => c.sql(`SELECT ${SCHEDULE_COLUMNS} FROM link_checks WHERE link_id = ?`).get(linkId));
      return row === undefined ? undefined : scheduleFromRow(row);
    },

    async getSchedules(linkIds) {
      const rows = c.run({}, () => c.sql(`SELECT ${SCHEDULE_COLUMNS} FROM link_checks WHERE link_id IN (SELECT value FROM json_each(?))`).all(JSON.stringify(linkIds)));
      return new Map<string, CheckScheduleRow>(rows.map(scheduleFromRow).map((r) => [r.linkId, r]));
    },

    async hours(linkId, since) {
      return c.run({}, () => c.sql('SELECT link_id, hour, checks, failures, stages FROM link_health_hours WHERE link_id = ? AND hour >= ? ORDER BY hour').all(linkId, since)).map(hourFromRow);
    },

    async hourTotals(linkIds, since) {
      const rows = c.run({}, () =>
        c
          .sql(
            `SELECT link_id, sum(checks) AS checks, sum(failures) AS failures FROM link_health_hours
             WHERE link_id IN (SELECT value FROM json_each(?)) AND hour >= ? GROUP BY link_id`,
          )
          .all(JSON.stringify(linkIds), since),
      );
      return new Map(rows.map(totalsFromRow).map(({ linkId, ...t }) => [linkId, t]));
    },

    async failures(linkId, since, limit) {
      checkLimit(limit);
      return c
        .run({}, () => c.sql('SELECT link_id, at, stage, code, message, hint, ms FROM link_health_failures WHERE link_id = ? AND at >= ? ORDER BY at DESC LIMIT ?').all(linkId, since, limit))
        .map(failureFromRow);
    },

    async transitions(linkId, since, limit) {
      checkLimit(limit);
      return c
        .run({}, () => c.sql(`SELECT ${TRANSITION_COLUMNS} FROM link_transitions WHERE link_id = ? AND at >= ? ORDER BY at DESC, id DESC LIMIT ?`).all(linkId, since, limit))
        .map(transitionFromRow);
    },

    async transitionsSince(since, limit) {
      checkLimit(limit);
      return c.run({}, () => c.sql(`SELECT ${TRANSITION_COLUMNS} FROM link_transitions WHERE at >= ? ORDER BY at, id LIMIT ?`).all(since, limit)).map(transitionFromRow);
    },

    async recordTransition(row) {
      c.run({}, () => insertTransition(row));
    },

    async purge(before) {
      return c.writeTransaction({}, () => {
        const hours = c.sql('DELETE FROM link_health_hours WHERE hour < ?').run(before).changes;
        return hours + c.sql('DELETE FROM link_health_failures WHERE at < ?').run(before).changes;
      });
    },
  };
}
