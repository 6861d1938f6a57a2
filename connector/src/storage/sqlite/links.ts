import type { ChangeListeners, TokenChange } from '../changes';
import { conflictError, LINK_EXISTS_MESSAGE, linkNotFoundError } from '../errors';
import { checkLimit, checkNextVersion, countFromRow, decodeCursor, idFromRow, linkFromRow, linkIdFromRow, subjectFromRow, toLinkColumns, toPage } from '../records';
import type { LinkStatus } from '../../../../contract';
import { authStateOwnerId, tokenOwnerId, type LinkRecord, type LinkStore, type SecretChanges } from '../store';
import { SECRET_WRITE, type SqliteConnection } from './connection';

const LINK_COLUMNS = 'id, created_at, updated_at, version, document';

export function sqliteLinks(c: SqliteConnection, listeners: ChangeListeners): LinkStore {
  return {
    async create(record: LinkRecord, secrets?: SecretChanges) {
      const columns = toLinkColumns(record);
      c.writeTransaction({ unique: LINK_EXISTS_MESSAGE, secretKeyVersion: true }, () => {
        c.sql(`INSERT INTO links (${LINK_COLUMNS}) VALUES (?, ?, ?, ?, ?)`).run(columns.id, columns.createdAt, columns.updatedAt, columns.version, columns.document);
        c.applySecretChanges(columns.id, secrets);
      });
    },

    async get(id: string) {
      const row = c.run({}, () => c.sql(`SELECT ${LINK_COLUMNS} FROM links WHERE id = ?`).get(id));
      return row === undefined ? undefined : linkFromRow(row);
    },

    async list({ limit, cursor }) {
      checkLimit(limit);
      const after = cursor === undefined ? undefined : decodeCursor(cursor);
      const rows = c.run({}, () =>
        after === undefined
          ? c.sql(`SELECT ${LINK_COLUMNS} FROM links ORDER BY created_at, id LIMIT ?`).all(limit + 1)
          : c.sql(`SELECT ${LINK_COLUMNS} FROM links WHERE (created_at, id) > (?, ?) ORDER BY created_at, id LIMIT ?`).all(after.createdAt, after.id, limit + 1),
      );
      return toPage(rows.map(linkFromRow), limit);
    },

    async count() {
      return countFromRow(c.run({}, () => c.sql('SELECT count(*) AS count FROM links').get()));
    },

    async exist(ids: readonly string[]) {
      if (ids.length === 0) return new Set<string>();
      const rows = c.run({}, () => c.sql('SELECT id FROM links WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(ids)));
      return new Set(rows.map(linkIdFromRow));
    },

    async update(record: LinkRecord, expectedVersion: number, secrets?: SecretChanges) {
      checkNextVersion(record, expectedVersion);
      const columns = toLinkColumns(record);
      c.writeTransaction(SECRET_WRITE, () => {
        const result = c
          .sql('UPDATE links SET created_at = ?, updated_at = ?, version = ?, document = ? WHERE id = ? AND version = ?')
          .run(columns.createdAt, columns.updatedAt, columns.version, columns.document, columns.id, expectedVersion);
        if (result.changes === 0) {
          throw c.sql('SELECT 1 FROM links WHERE id = ?').get(columns.id) === undefined ? linkNotFoundError() : conflictError();
        }
        c.applySecretChanges(columns.id, secrets);
      });
    },

    async setStatus(id: string, status: LinkStatus, reason: string | null, updatedAt: string, options?: { from?: readonly LinkStatus[] }) {
      return c.writeTransaction({}, () => {
        const row = c.sql(`SELECT ${LINK_COLUMNS} FROM links WHERE id = ?`).get(id);
        if (row === undefined) return false;
        const current = linkFromRow(row);
        if (current.status === status && current.statusReason === reason) return false;
        if (options?.from !== undefined && !options.from.includes(current.status)) return false;
        const columns = toLinkColumns({ ...current, status, statusReason: reason, updatedAt, version: current.version + 1 });
        c.sql('UPDATE links SET updated_at = ?, version = ?, document = ? WHERE id = ?').run(columns.updatedAt, columns.version, columns.document, id);
        return true;
      });
    },

    async delete(id: string) {
      const changes: TokenChange[] = [];
      const deleted = c.writeTransaction({}, () => {
        const subjects = c.sql('SELECT subject FROM tokens WHERE link_id = ?').all(id).map(subjectFromRow);
        const stateIds = c.sql('SELECT id FROM auth_states WHERE link_id = ?').all(id).map(idFromRow);
        // Secrets first: they are owned by the link, its credentials and its requests, and nothing may outlive it.
        const owners = [id, ...subjects.map((subject) => tokenOwnerId(id, subject)), ...stateIds.map(authStateOwnerId)];
        for (const owner of owners) c.sql('DELETE FROM secrets WHERE owner_id = ?').run(owner);
        c.sql('DELETE FROM auth_states WHERE link_id = ?').run(id);
        c.sql('DELETE FROM tokens WHERE link_id = ?').run(id);
        changes.push(...subjects.map((subject) => ({ linkId: id, subject })));
        return c.sql('DELETE FROM links WHERE id = ?').run(id).changes > 0;
      });
      listeners.emit(changes);
      return deleted;
    },
  };
}
