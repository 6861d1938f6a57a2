import { settingFromRow, settingToJson } from '../records';
import type { SettingStore } from '../store';
import type { SqliteConnection } from './connection';

export function sqliteSettings(c: SqliteConnection): SettingStore {
  return {
    async get<T = unknown>(key: string): Promise<T | undefined> {
      const row = c.run({}, () => c.sql('SELECT value FROM settings WHERE key = ?').get(key));
      // The caller owns the shape of its setting and parses it; here it is only JSON.
      return row === undefined ? undefined : (settingFromRow(row) as T);
    },

    async set(key: string, value: unknown) {
      const json = settingToJson(value);
      c.run({}, () => c.sql('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, json));
    },

    async delete(key: string) {
      return c.run({}, () => c.sql('DELETE FROM settings WHERE key = ?').run(key).changes > 0);
    },
  };
}
