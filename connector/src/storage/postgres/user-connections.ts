import { USER_CONNECTION_COLUMNS, USER_CONNECTION_FROM, checkLimit, userConnectionFromRow, userConnectionParams } from '../records';
import type { UserConnectionStore } from '../user-connection-store';
import type { PostgresConnection } from './connection';

export function postgresUserConnections(c: PostgresConnection): UserConnectionStore {
  const { query } = c;
  return {
    async put(record) {
      const params = userConnectionParams(record);
      await c.transaction({}, async (q) => {
        await c.requireLink(q, record.linkId);
        await q(
          `INSERT INTO user_connections (link_id, subject, remote_username, remote_display_name, connected_at, disconnected_at, disconnected_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (link_id, subject) DO UPDATE SET remote_username = excluded.remote_username, remote_display_name = excluded.remote_display_name,
             connected_at = excluded.connected_at, disconnected_at = excluded.disconnected_at, disconnected_by = excluded.disconnected_by`,
          params,
        );
      });
    },

    async get(linkId, subject) {
      const { rows } = await query({}, `SELECT ${USER_CONNECTION_COLUMNS} FROM ${USER_CONNECTION_FROM} WHERE u.link_id = $1 AND u.subject = $2`, [linkId, subject]);
      return rows[0] === undefined ? undefined : userConnectionFromRow(rows[0]);
    },

    async findByRemoteUsername(linkId, username) {
      const { rows } = await query(
        {},
        `SELECT ${USER_CONNECTION_COLUMNS} FROM ${USER_CONNECTION_FROM} WHERE u.link_id = $1 AND u.remote_username = $2 ORDER BY u.disconnected_at IS NOT NULL, u.connected_at DESC LIMIT 1`,
        [linkId, username],
      );
      return rows[0] === undefined ? undefined : userConnectionFromRow(rows[0]);
    },

    async forSubject(subject, linkIds) {
      if (linkIds.length === 0) return new Map();
      const { rows } = await query({}, `SELECT ${USER_CONNECTION_COLUMNS} FROM ${USER_CONNECTION_FROM} WHERE u.subject = $1 AND u.link_id = ANY($2::text[])`, [subject, [...linkIds]]);
      return new Map(rows.map(userConnectionFromRow).map((view) => [view.linkId, view]));
    },

    async list(linkId, { limit, cursor }) {
      checkLimit(limit);
      const { rows } = await query(
        {},
        `SELECT ${USER_CONNECTION_COLUMNS} FROM ${USER_CONNECTION_FROM} WHERE u.link_id = $1 AND u.disconnected_at IS NULL AND u.subject > $2 ORDER BY u.subject LIMIT $3`,
        [linkId, cursor ?? '', limit + 1],
      );
      const items = rows.slice(0, limit).map(userConnectionFromRow);
      return { items, nextCursor: rows.length > limit ? items[items.length - 1]!.subject : null };
    },
  };
}
