import { encodeNotification, type ChangeListeners, type TokenChange } from '../changes';
import { conflictError, LINK_EXISTS_MESSAGE, linkNotFoundError } from '../errors';
import { checkLimit, checkNextVersion, countFromRow, decodeCursor, idFromRow, linkFromRow, linkIdFromRow, subjectFromRow, toLinkColumns, toPage } from '../records';
import type { LinkStatus } from '../../../../contract';
import { authStateOwnerId, tokenOwnerId, type LinkRecord, type LinkStore, type SecretChanges } from '../store';
import { TOKEN_CHANNEL } from './change-feed';
import { SECRET_WRITE, type PostgresConnection } from './connection';

const LINK_COLUMNS = 'id, created_at, updated_at, version, document::text AS document';

export function postgresLinks(c: PostgresConnection, listeners: ChangeListeners, origin: string): LinkStore {
  const { query, transaction } = c;
  return {
    async create(record: LinkRecord, secrets?: SecretChanges) {
      const r = toLinkColumns(record);
      await transaction({ unique: LINK_EXISTS_MESSAGE, secretKeyVersion: true }, async (q) => {
        await q('INSERT INTO links (id, created_at, updated_at, version, document) VALUES ($1, $2, $3, $4, $5::jsonb)', [r.id, r.createdAt, r.updatedAt, r.version, r.document]);
        await c.applySecretChanges(q, r.id, secrets);
      });
    },

    async get(id: string) {
      const { rows } = await query({}, `SELECT ${LINK_COLUMNS} FROM links WHERE id = $1`, [id]);
      return rows[0] === undefined ? undefined : linkFromRow(rows[0]);
    },

    async list({ limit, cursor }) {
      checkLimit(limit);
      const after = cursor === undefined ? undefined : decodeCursor(cursor);
      const { rows } =
        after === undefined
          ? await query({}, `SELECT ${LINK_COLUMNS} FROM links ORDER BY created_at, id LIMIT $1`, [limit + 1])
          : await query({}, `SELECT ${LINK_COLUMNS} FROM links WHERE (created_at, id) > ($1, $2) ORDER BY created_at, id LIMIT $3`, [after.createdAt, after.id, limit + 1]);
      return toPage(rows.map(linkFromRow), limit);
    },

    async count() {
      const { rows } = await query({}, 'SELECT count(*)::int AS count FROM links');
      return countFromRow(rows[0]);
    },

    async exist(ids: readonly string[]) {
      if (ids.length === 0) return new Set<string>();
      const { rows } = await query({}, 'SELECT id FROM links WHERE id = ANY($1::text[])', [[...ids]]);
      return new Set(rows.map(linkIdFromRow));
    },

    async update(record: LinkRecord, expectedVersion: number, secrets?: SecretChanges) {
      checkNextVersion(record, expectedVersion);
      const r = toLinkColumns(record);
      await transaction(SECRET_WRITE, async (q) => {
        const result = await q('UPDATE links SET created_at = $1, updated_at = $2, version = $3, document = $4::jsonb WHERE id = $5 AND version = $6', [
          r.createdAt,
          r.updatedAt,
          r.version,
          r.document,
          r.id,
          expectedVersion,
        ]);
        if (result.rowCount === 0) {
          const exists = await q('SELECT 1 FROM links WHERE id = $1', [r.id]);
          throw exists.rowCount === 0 ? linkNotFoundError() : conflictError();
        }
        await c.applySecretChanges(q, r.id, secrets);
      });
    },

    async setStatus(id: string, status: LinkStatus, reason: string | null, updatedAt: string, options?: { from?: readonly LinkStatus[] }) {
      return transaction({}, async (q) => {
        // NO KEY UPDATE: a token save in flight holds KEY SHARE on this row, and must not be waited for.
        const { rows } = await q(`SELECT ${LINK_COLUMNS} FROM links WHERE id = $1 FOR NO KEY UPDATE`, [id]);
        if (rows[0] === undefined) return false;
        const current = linkFromRow(rows[0]);
        if (current.status === status && current.statusReason === reason) return false;
        if (options?.from !== undefined && !options.from.includes(current.status)) return false;
        const r = toLinkColumns({ ...current, status, statusReason: reason, updatedAt, version: current.version + 1 });
        await q('UPDATE links SET updated_at = $1, version = $2, document = $3::jsonb WHERE id = $4', [r.updatedAt, r.version, r.document, id]);
        return true;
      });
    },

    async delete(id: string) {
      const changes: TokenChange[] = [];
      const deleted = await transaction({}, async (q) => {
        // The link's row first: a token save or authorization request that has not committed yet
        // holds KEY SHARE on it (`requireLink`), so this waits for it and the reads below see its
        // rows; one that comes later finds no link and fails with NOT_FOUND.
        await q('SELECT 1 FROM links WHERE id = $1 FOR UPDATE', [id]);
        const subjects = (await q('SELECT subject FROM tokens WHERE link_id = $1', [id])).rows.map(subjectFromRow);
        const stateIds = (await q('SELECT id FROM auth_states WHERE link_id = $1', [id])).rows.map(idFromRow);
        // Secrets first: they are owned by the link, its credentials and its requests, and nothing may outlive it.
        const owners = [id, ...subjects.map((subject) => tokenOwnerId(id, subject)), ...stateIds.map(authStateOwnerId)];
        await q('DELETE FROM secrets WHERE owner_id = ANY($1::text[])', [owners]);
        await q('DELETE FROM auth_states WHERE link_id = $1', [id]);
        await q('DELETE FROM tokens WHERE link_id = $1', [id]);
        for (const subject of subjects) {
          const change = { linkId: id, subject };
          // Delivered by PostgreSQL when this transaction commits, dropped if it rolls back.
          await q('SELECT pg_notify($1, $2)', [TOKEN_CHANNEL, encodeNotification(origin, change)]);
          changes.push(change);
        }
        const result = await q('DELETE FROM links WHERE id = $1', [id]);
        return (result.rowCount ?? 0) > 0;
      });
      listeners.emit(changes);
      return deleted;
    },
  };
}
