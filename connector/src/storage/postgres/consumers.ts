import { CONSUMER_EXISTS_MESSAGE } from '../errors';
import { consumerFromRow, toConsumerColumns } from '../records';
import type { ConsumerRecord, ConsumerStore } from '../store';
import type { PostgresConnection } from './connection';

const CONSUMER_COLUMNS = 'id, name, key_hash, link_ids::text AS link_ids, created_at';

export function postgresConsumers(c: PostgresConnection): ConsumerStore {
  const { query } = c;
  return {
    async create(record: ConsumerRecord) {
      const r = toConsumerColumns(record);
      await query({ unique: CONSUMER_EXISTS_MESSAGE }, 'INSERT INTO consumers (id, name, key_hash, link_ids, created_at) VALUES ($1, $2, $3, $4::jsonb, $5)', [
        r.id,
        r.name,
        r.keyHash,
        r.linkIds,
        r.createdAt,
      ]);
    },

    async get(id: string) {
      const { rows } = await query({}, `SELECT ${CONSUMER_COLUMNS} FROM consumers WHERE id = $1`, [id]);
      return rows[0] === undefined ? undefined : consumerFromRow(rows[0]);
    },

    async list() {
      const { rows } = await query({}, `SELECT ${CONSUMER_COLUMNS} FROM consumers ORDER BY created_at, id`);
      return rows.map(consumerFromRow);
    },

    async delete(id: string) {
      const result = await query({}, 'DELETE FROM consumers WHERE id = $1', [id]);
      return (result.rowCount ?? 0) > 0;
    },
  };
}
