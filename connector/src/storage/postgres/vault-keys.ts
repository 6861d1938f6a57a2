import { checkDistinctVersions, KEY_VERSION_EXISTS_MESSAGE, keySetChangedError } from '../errors';
import { checkVaultKeyRow, countFromRow, vaultKeyFromRow, versionFromRow } from '../records';
import type { VaultKeyRow, VaultKeyStore } from '../store';
import type { PostgresConnection } from './connection';

export function postgresVaultKeys(c: PostgresConnection): VaultKeyStore {
  const { query, transaction } = c;
  return {
    async list() {
      const { rows } = await query({}, 'SELECT version, master_key_id, wrapped_key, created_at FROM vault_keys ORDER BY version');
      return rows.map(vaultKeyFromRow);
    },

    async insert(row: VaultKeyRow) {
      checkVaultKeyRow(row);
      await query({ unique: KEY_VERSION_EXISTS_MESSAGE }, 'INSERT INTO vault_keys (version, master_key_id, wrapped_key, created_at) VALUES ($1, $2, $3, $4)', [
        row.version,
        row.masterKeyId,
        row.wrappedKey,
        row.createdAt,
      ]);
    },

    async replaceAll(rows: VaultKeyRow[]) {
      rows.forEach(checkVaultKeyRow);
      checkDistinctVersions(rows.map((row) => row.version));
      await transaction({}, async (q) => {
        // Keeps other writers of vault_keys out until commit, so the count below stays true; secret
        // writes only take ROW SHARE here (their foreign-key check) and go on.
        await q('LOCK TABLE vault_keys IN SHARE ROW EXCLUSIVE MODE');
        for (const row of rows) {
          const result = await q('UPDATE vault_keys SET master_key_id = $1, wrapped_key = $2, created_at = $3 WHERE version = $4', [
            row.masterKeyId,
            row.wrappedKey,
            row.createdAt,
            row.version,
          ]);
          if (result.rowCount === 0) throw keySetChangedError();
        }
        // A key added since the caller listed them would stay wrapped by the old master key.
        const total = await q('SELECT count(*)::int AS count FROM vault_keys');
        if (countFromRow(total.rows[0]) !== rows.length) throw keySetChangedError();
      });
    },

    async deleteUnreferencedBelow(version: number) {
      const { rows } = await query(
        {},
        `SELECT version FROM vault_keys v
         WHERE version < $1 AND NOT EXISTS (SELECT 1 FROM secrets s WHERE s.key_version = v.version)
         ORDER BY version`,
        [version],
      );
      const removed: number[] = [];
      for (const candidate of rows.map(versionFromRow)) {
        // One key per statement: a replica may seal a secret under this key between our check and
        // the delete. The foreign key then rejects the delete, and that key simply stays.
        try {
          const result = await c.pool.query(
            `DELETE FROM vault_keys v
             WHERE version = $1 AND NOT EXISTS (SELECT 1 FROM secrets s WHERE s.key_version = v.version)`,
            [candidate],
          );
          if ((result.rowCount ?? 0) > 0) removed.push(candidate);
        } catch (error) {
          if (c.classify(error) !== 'foreign_key') throw c.mapped(error, {});
        }
      }
      return removed;
    },
  };
}
