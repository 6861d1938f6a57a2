import { settingFromRow, settingToJson } from '../records';
import type { SettingStore } from '../store';
import type { PostgresConnection } from './connection';

export function postgresSettings(c: PostgresConnection): SettingStore {
  const { query } = c;
  return {
    async get<T = unknown>(key: string): Promise<T | undefined> {
      const { rows } = await query({}, 'SELECT value::text AS value FROM settings WHERE key = $1', [key]);
      // The caller owns the shape of its setting and parses it; here it is only JSON.
      return rows[0] === undefined ? undefined : (settingFromRow(rows[0]) as T);
    },

    async set(key: string, value: unknown) {
      const json = settingToJson(value);
      await query({}, 'INSERT INTO settings (key, value) VALUES ($1, $2::jsonb) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, json]);
    },

    async delete(key: string) {
      const result = await query({}, 'DELETE FROM settings WHERE key = $1', [key]);
      return (result.rowCount ?? 0) > 0;
    },
  };
}
