import { USER_CONNECTION_COLUMNS, USER_CONNECTION_FROM, checkLimit, userConnectionFromRow, userConnectionParams } from '../records';
import type { UserConnectionStore } from '../user-connection-store';
import type { SqliteConnection } from './connection';

export function sqliteUserConnections(c: SqliteConnection): UserConnectionStore {
  return {
    async put(record) {
      const params = userConnectionParams(record);
      c.writeTransaction({}, () => {
        c.requireLink(record.linkId);
        c.sql(
          `INSERT INTO user_connections (link_id, subject, remote_username, remote_display_name, connected_at, disconnected_at, disconnected_by)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (link_id, subject) DO UPDATE SET remote_username = excluded.remote_username, remote_display_name = excluded.remote_display_name,
             connected_at = excluded.connected_at, disconnected_at = excluded.disconnected_at, disconnected_by = excluded.disconnected_by`,
        ).run(...params);
      });
    },

    async get(linkId, subject) {
      const row = c.run({}, () => c.sql(`SELECT ${USER_CONNECTION_COLUMNS} FROM ${USER_CONNECTION_FROM} WHERE u.link_id = ? AND u.subject = ?`).get(linkId, subject));
      return row === undefined ? undefined : userConnectionFromRow(row);
    },

    async findByRemoteUsername(linkId, username) {
      const row = c.run({}, () =>
        c
          .sql(`SELECT ${USER_CONNECTION_COLUMNS} FROM ${USER_CONNECTION_FROM} WHERE u.link_id = ? AND u.remote_username = ? ORDER BY u.disconnected_at IS NOT NULL, u.connected_at DESC LIMIT 1`)
          .get(linkId, username),
      );
      return row === undefined ? undefined : userConnectionFromRow(row);
    },

    async forSubject(subject, linkIds) {
      if (linkIds.length === 0) return new Map();
      const rows = c.run({}, () =>
        c.sql(`SELECT ${USER_CONNECTION_COLUMNS} FROM ${USER_CONNECTION_FROM} WHERE u.subject = ? AND u.link_id IN (SELECT value FROM json_each(?))`).all(subject, JSON.stringify(linkIds)),
      );
      return new Map(rows.map(userConnectionFromRow).map((view) => [view.linkId, view]));
    },

    async list(linkId, { limit, cursor }) {
      checkLimit(limit);
      const rows = c.run({}, () =>
        c
          .sql(`SELECT ${USER_CONNECTION_COLUMNS} FROM ${USER_CONNECTION_FROM} WHERE u.link_id = ? AND u.disconnected_at IS NULL AND u.subject > ? ORDER BY u.subject LIMIT ?`)
          .all(linkId, cursor ?? '', limit + 1),
      );
      const items = rows.slice(0, limit).map(userConnectionFromRow);
      return { items, nextCursor: rows.length > limit ? items[items.length - 1]!.subject : null };
    },
  };
}
