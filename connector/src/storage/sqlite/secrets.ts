import { checkKeyVersion, checkLimit, keyVersionCountFromRow, sealedFromRow, secretFromRow } from '../records';
import type { SealedSecret, SecretStore } from '../store';
import { SECRET_WRITE, type SqliteConnection } from './connection';

export function sqliteSecrets(c: SqliteConnection): SecretStore {
  return {
    async get(ownerId: string, field: string) {
      const row = c.run({}, () => c.sql('SELECT key_version, ciphertext FROM secrets WHERE owner_id = ? AND field = ?').get(ownerId, field));
      return row === undefined ? undefined : sealedFromRow(row);
    },

    async put(ownerId: string, field: string, sealed: SealedSecret) {
      c.run(SECRET_WRITE, () => c.putSecret(ownerId, field, sealed));
    },

    async delete(ownerId: string, field: string) {
      return c.run({}, () => c.sql('DELETE FROM secrets WHERE owner_id = ? AND field = ?').run(ownerId, field).changes > 0);
    },

    async listBelowKeyVersion(version: number, limit: number) {
      checkLimit(limit);
      const rows = c.run({}, () =>
        c.sql('SELECT owner_id, field, key_version, ciphertext FROM secrets WHERE key_version < ? ORDER BY owner_id, field LIMIT ?').all(version, limit),
      );
      return rows.map(secretFromRow);
    },

    async compareAndSwap(ownerId: string, field: string, expected: string, next: SealedSecret) {
      checkKeyVersion(next.keyVersion);
      return c.run(SECRET_WRITE, () => {
        const result = c
          .sql('UPDATE secrets SET key_version = ?, ciphertext = ?, updated_at = ? WHERE owner_id = ? AND field = ? AND ciphertext = ?')
          .run(next.keyVersion, next.ciphertext, c.now(), ownerId, field, expected);
        return result.changes > 0;
      });
    },

    async countByKeyVersion() {
      const rows = c.run({}, () => c.sql('SELECT key_version, count(*) AS count FROM secrets GROUP BY key_version ORDER BY key_version').all());
      return new Map(rows.map(keyVersionCountFromRow));
    },
  };
}
