import { checkDistinctVersions, KEY_VERSION_EXISTS_MESSAGE, keySetChangedError } from '../errors';
import { checkVaultKeyRow, countFromRow, vaultKeyFromRow, versionFromRow } from '../records';
import type { VaultKeyRow, VaultKeyStore } from '../store';
import type { SqliteConnection } from './connection';

export function sqliteVaultKeys(c: SqliteConnection): VaultKeyStore {
  return {
    async list() {
      const rows = c.run({}, () => c.sql('SELECT version, master_key_id, wrapped_key, created_at FROM vault_keys ORDER BY version').all());
      return rows.map(vaultKeyFromRow);
    },

    async insert(row: VaultKeyRow) {
      checkVaultKeyRow(row);
      c.run({ unique: KEY_VERSION_EXISTS_MESSAGE }, () =>
        c.sql('INSERT INTO vault_keys (version, master_key_id, wrapped_key, created_at) VALUES (?, ?, ?, ?)').run(row.version, row.masterKeyId, row.wrappedKey, row.createdAt),
      );
    },

    async replaceAll(rows: VaultKeyRow[]) {
      rows.forEach(checkVaultKeyRow);
      checkDistinctVersions(rows.map((row) => row.version));
      c.writeTransaction({}, () => {
        for (const row of rows) {
          const result = c
            .sql('UPDATE vault_keys SET master_key_id = ?, wrapped_key = ?, created_at = ? WHERE version = ?')
            .run(row.masterKeyId, row.wrappedKey, row.createdAt, row.version);
          if (result.changes === 0) throw keySetChangedError();
        }
        // A key added since the caller listed them would stay wrapped by the old master key.
        if (countFromRow(c.sql('SELECT count(*) AS count FROM vault_keys').get()) !== rows.length) throw keySetChangedError();
      });
    },

    async deleteUnreferencedBelow(version: number) {
      // One statement under the write lock: no secret can start referencing a key between the
      // NOT EXISTS check and the delete (SQLite has one writer at a time).
      const rows = c.writeTransaction({}, () =>
        c
          .sql(
            `DELETE FROM vault_keys
             WHERE version < ? AND NOT EXISTS (SELECT 1 FROM secrets WHERE secrets.key_version = vault_keys.version)
             RETURNING version`,
          )
          .all(version),
      );
      return rows.map(versionFromRow).sort((a, b) => a - b);
    },
  };
}
