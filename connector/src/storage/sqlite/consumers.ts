import { CONSUMER_EXISTS_MESSAGE } from '../errors';
import { consumerFromRow, toConsumerColumns } from '../records';
import type { ConsumerRecord, ConsumerStore } from '../store';
import type { SqliteConnection } from './connection';

const CONSUMER_COLUMNS = 'id, name, key_hash, link_ids, created_at';

export function sqliteConsumers(c: SqliteConnection): ConsumerStore {
  return {
    async create(record: ConsumerRecord) {
      const r = toConsumerColumns(record);
      c.run({ unique: CONSUMER_EXISTS_MESSAGE }, () =>
        c.sql(`INSERT INTO consumers (${CONSUMER_COLUMNS}) VALUES (?, ?, ?, ?, ?)`).run(r.id, r.name, r.keyHash, r.linkIds, r.createdAt),
      );
    },

    async get(id: string) {
      const row = c.run({}, () => c.sql(`SELECT ${CONSUMER_COLUMNS} FROM consumers WHERE id = ?`).get(id));
      return row === undefined ? undefined : consumerFromRow(row);
    },

    async list() {
      const rows = c.run({}, () => c.sql(`SELECT ${CONSUMER_COLUMNS} FROM consumers ORDER BY created_at, id`).all());
      return rows.map(consumerFromRow);
    },

    async delete(id: string) {
      return c.run({}, () => c.sql('DELETE FROM consumers WHERE id = ?').run(id).changes > 0);
    },
  };
}
