import { checkKeyVersion, checkLimit, keyVersionCountFromRow, sealedFromRow, secretFromRow } from '../records';
import type { SealedSecret, SecretStore } from '../store';
import { SECRET_WRITE, type PostgresConnection } from './connection';

export function postgresSecrets(c: PostgresConnection): SecretStore {
  const { query } = c;
  return {
    async get(ownerId: string, field: string) {
      const { rows } = await query({}, 'SELECT key_version, ciphertext FROM secrets WHERE owner_id = $1 AND field = $2', [ownerId, field]);
      return rows[0] === undefined ? undefined : sealedFromRow(rows[0]);
    },

    async put(ownerId: string, field: string, sealed: SealedSecret) {
      await c.putSecret((text, params) => query(SECRET_WRITE, text, params), ownerId, field, sealed);
    },

    async delete(ownerId: string, field: string) {
      const result = await query({}, 'DELETE FROM secrets WHERE owner_id = $1 AND field = $2', [ownerId, field]);
      return (result.rowCount ?? 0) > 0;
    },

    async listBelowKeyVersion(version: number, limit: number) {
      checkLimit(limit);
      const { rows } = await query({}, 'SELECT owner_id, field, key_version, ciphertext FROM secrets WHERE key_version < $1 ORDER BY owner_id, field LIMIT $2', [
        version,
        limit,
      ]);
      return rows.map(secretFromRow);
    },

    async compareAndSwap(ownerId: string, field: string, expected: string, next: SealedSecret) {
      checkKeyVersion(next.keyVersion);
      const result = await query(
        SECRET_WRITE,
        'UPDATE secrets SET key_version = $1, ciphertext = $2, updated_at = $3 WHERE owner_id = $4 AND field = $5 AND ciphertext = $6',
        [next.keyVersion, next.ciphertext, c.now(), ownerId, field, expected],
      );
      return (result.rowCount ?? 0) > 0;
    },

    async countByKeyVersion() {
      const { rows } = await query({}, 'SELECT key_version, count(*)::int AS count FROM secrets GROUP BY key_version ORDER BY key_version');
      return new Map(rows.map(keyVersionCountFromRow));
    },
  };
}
