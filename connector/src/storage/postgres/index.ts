/**
 * The PostgreSQL adapter (pg.Pool), for several connector replicas sharing one database. One
 * module per sub-store on one pool (`connection.ts`); a credential's lock is a transaction-scoped
 * advisory lock (`token-lock.ts`), and token changes reach the other replicas through NOTIFY
 * (`change-feed.ts`).
 */
import { randomUUID } from 'node:crypto';
import { ChangeListeners } from '../changes';
import { pendingMigrations, POSTGRES_MIGRATIONS } from '../migrations';
import type { Store } from '../store';
import { postgresMonitoring, postgresWebhooks } from './alerts';
import { postgresAuthStates } from './auth-states';
import { ChangeFeed } from './change-feed';
import { openPostgres, type PostgresStoreOptions } from './connection';
import { postgresConsumers } from './consumers';
import { postgresHealth } from './health';
import { postgresLinks } from './links';
import { postgresSecrets } from './secrets';
import { postgresSettings } from './settings';
import { postgresTokens } from './tokens';
import { postgresVaultKeys } from './vault-keys';
import { postgresUserConnections } from './user-connections';

export type { PostgresStoreOptions } from './connection';
export { advisoryLockKey } from './token-lock';

/** Any constant works as long as nothing else in the database uses it; this one spells "applinks". */
const MIGRATION_LOCK_KEY = '7021793235870788467';

export function createPostgresStore(options: PostgresStoreOptions): Store {
  const c = openPostgres(options);
  const onBackgroundError = options.onBackgroundError ?? (() => undefined);
  const listeners = new ChangeListeners(onBackgroundError);
  const origin = randomUUID();
  const feed = new ChangeFeed({
    connectionString: options.connectionString,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    origin,
    listeners,
    onError: onBackgroundError,
  });
  const lockConnections = options.lockConnections ?? Math.max(1, Math.floor((options.poolSize ?? 10) / 2));

  return {
    dialect: 'postgres',
    links: postgresLinks(c, listeners, origin),
    secrets: postgresSecrets(c),
    vaultKeys: postgresVaultKeys(c),
    settings: postgresSettings(c),
    tokens: postgresTokens(c, { listeners, feed, origin, lockConnections }),
    authStates: postgresAuthStates(c),
    consumers: postgresConsumers(c),
    monitoring: postgresMonitoring(c),
    webhooks: postgresWebhooks(c),
    health: postgresHealth(c),
    userConnections: postgresUserConnections(c),

    async migrate() {
      await c.transaction({}, async (q) => {
        // First statement of the transaction, before anything reads the schema: replicas starting
        // together queue here, and the later ones find every migration already recorded. The lock
        // ends with the transaction, so a crashed replica cannot leave it held.
        await q('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
        await q('CREATE TABLE IF NOT EXISTS schema_migrations (id text COLLATE "C" NOT NULL PRIMARY KEY, applied_at text NOT NULL)');
        const { rows } = await q('SELECT id FROM schema_migrations');
        const applied = new Set(rows.map((row: { id: string }) => row.id));
        for (const migration of pendingMigrations(POSTGRES_MIGRATIONS, applied)) {
          await q(migration.sql);
          await q('INSERT INTO schema_migrations (id, applied_at) VALUES ($1, $2)', [migration.id, c.now()]);
        }
      });
    },

    async ping() {
      await c.query({}, 'SELECT 1');
    },

    async close() {
      await c.close(() => feed.close());
    },
  };
}
