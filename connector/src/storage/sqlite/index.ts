/**
 * The SQLite adapter (better-sqlite3): the embedded default, one file in the data directory. One
 * module per sub-store, all on one connection (`connection.ts`, which explains the locking).
 */
import { ChangeListeners } from '../changes';
import { pendingMigrations, SQLITE_MIGRATIONS } from '../migrations';
import type { Store } from '../store';
import { sqliteMonitoring, sqliteWebhooks } from './alerts';
import { sqliteAuthStates } from './auth-states';
import { openSqlite, type SqliteStoreOptions } from './connection';
import { sqliteConsumers } from './consumers';
import { sqliteHealth } from './health';
import { sqliteLinks } from './links';
import { sqliteSecrets } from './secrets';
import { sqliteSettings } from './settings';
import { sqliteTokens } from './tokens';
import { sqliteVaultKeys } from './vault-keys';
import { sqliteUserConnections } from './user-connections';

export type { SqliteStoreOptions } from './connection';

export function createSqliteStore(options: SqliteStoreOptions): Store {
  const c = openSqlite(options);
  const listeners = new ChangeListeners(options.onBackgroundError ?? (() => undefined));
  return {
    dialect: 'sqlite',
    links: sqliteLinks(c, listeners),
    secrets: sqliteSecrets(c),
    vaultKeys: sqliteVaultKeys(c),
    settings: sqliteSettings(c),
    tokens: sqliteTokens(c, listeners),
    authStates: sqliteAuthStates(c),
    consumers: sqliteConsumers(c),
    monitoring: sqliteMonitoring(c),
    webhooks: sqliteWebhooks(c),
    health: sqliteHealth(c),
    userConnections: sqliteUserConnections(c),

    async migrate() {
      c.writeTransaction({}, () => {
        c.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT NOT NULL PRIMARY KEY, applied_at TEXT NOT NULL) STRICT');
        const applied = new Set((c.db.prepare('SELECT id FROM schema_migrations').all() as { id: string }[]).map((row) => row.id));
        for (const migration of pendingMigrations(SQLITE_MIGRATIONS, applied)) {
          c.db.exec(migration.sql);
          c.db.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)').run(migration.id, c.now());
        }
      });
      // Statements prepared against the old schema are dropped rather than trusted.
      c.forgetStatements();
    },

    async ping() {
      c.run({}, () => c.db.prepare('SELECT 1').get());
    },

    async close() {
      c.close();
    },
  };
}
