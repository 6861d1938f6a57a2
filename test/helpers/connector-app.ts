import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp, type AppDeps } from '../../connector/src/app';
import { loadConfig, type ConnectorConfig } from '../../connector/src/config';
import { createForgeChannel, type ForgeChannel } from '../../connector/src/forge-channel';
import { createLogger } from '../../connector/src/observability/logger';
import { createStore } from '../../connector/src/storage';
import type { Store } from '../../connector/src/storage/store';
import { masterKeyId } from '../../connector/src/vault/master-key';
import { Vault } from '../../connector/src/vault/vault';
import { LeakWatch } from './leak-watch';
import { createTestDatabase } from './postgres';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef0123456789';

export interface TestConnector {
  app: FastifyInstance;
  store: Store;
  vault: Vault;
  config: ConnectorConfig;
  watch: LeakWatch;
  dataDir: string;
  /** The Forge channel, present when the env sets FORGE_APP_ID. */
  forge: ForgeChannel | undefined;
  /** `app.inject` that records the response for leak checks and sends the operator token unless told otherwise. */
  request(options: InjectOptions & { token?: string | null }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export interface TestConnectorOptions {
  dialect?: 'sqlite' | 'postgres';
  env?: Record<string, string>;
  watch?: LeakWatch;
  /** The clock for the app and the Forge channel (token times, pairing-code expiry, JWKS cache). */
  now?: () => Date;
  /** Share an existing PostgreSQL database (another "replica"); it is then not dropped on close. */
  databaseUrl?: string;
  /** The master key, shared by replicas of one store. Random by default. */
  masterKey?: Buffer;
  /** Token tuning: provider timeout, refresh policy, the credential clock. */
  credentials?: AppDeps['credentials'];
  /** Probe and test-connection tuning: name resolution, trusted CAs, time limits. */
  discovery?: AppDeps['discovery'];
  /** Forecast and alert tuning: webhook retry schedule, outbound client. */
  alerts?: AppDeps['alerts'];
  /** Scheduled checks: sink, forecasts, observers, scheduler clock and tuning. */
  monitoring?: AppDeps['monitoring'];
}

/** A connector app on a real database (a temp SQLite file, or a fresh PostgreSQL database). */
export async function startTestConnector(options: TestConnectorOptions = {}): Promise<TestConnector> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'applinks-test-'));
  const db = options.databaseUrl !== undefined ? { url: options.databaseUrl, drop: async () => undefined } : options.dialect === 'postgres' ? await createTestDatabase() : undefined;
  const config = loadConfig(
    {
      CONNECTOR_DATA_DIR: dataDir,
      CONNECTOR_ADMIN_TOKEN: ADMIN_TOKEN,
      CONNECTOR_PUBLIC_URL: 'https://connector.example.test',
      CONNECTOR_LOG_LEVEL: 'debug',
      ...(db === undefined ? {} : { DATABASE_URL: db.url }),
      ...options.env,
    },
    dataDir,
  );
  const watch = options.watch ?? new LeakWatch();
  const store = createStore({ databaseUrl: config.databaseUrl, dataDir });
  await store.migrate();
  const key = options.masterKey ?? randomBytes(32);
  const vault = new Vault({ store, masterKey: { key, id: masterKeyId(key), source: 'environment' } });
  await vault.init();
  const logger = createLogger('debug', watch.stream);
  const forge = createForgeChannel({ config, store, logger, now: options.now });
  const app = await buildApp({ config, store, vault, logger, now: options.now, authenticators: { forge: forge?.authenticator }, extraRoutes: forge?.routes, credentials: options.credentials, discovery: options.discovery, alerts: options.alerts, monitoring: options.monitoring });
  await app.ready();
  return {
    app,
    store,
    vault,
    config,
    watch,
    dataDir,
    forge,
    async request(opts) {
      const { token, ...inject } = opts;
      const headers = { ...(inject.headers ?? {}) } as Record<string, string>;
      const bearer = token === undefined ? ADMIN_TOKEN : token;
      if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
      const response = await app.inject({ ...inject, headers });
      watch.record(`${response.statusCode} ${JSON.stringify(response.headers)} ${response.body}`);
      return response;
    },
    async close() {
      await app.close();
      await store.close();
      await db?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
