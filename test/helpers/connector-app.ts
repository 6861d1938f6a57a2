import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../connector/src/app';
import { loadConfig, type ConnectorConfig } from '../../connector/src/config';
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
  /** `app.inject` that records the response for leak checks and sends the operator token unless told otherwise. */
  request(options: InjectOptions & { token?: string | null }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export interface TestConnectorOptions {
  dialect?: 'sqlite' | 'postgres';
  env?: Record<string, string>;
  watch?: LeakWatch;
}

/** A connector app on a real database (a temp SQLite file, or a fresh PostgreSQL database). */
export async function startTestConnector(options: TestConnectorOptions = {}): Promise<TestConnector> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'applinks-test-'));
  const db = options.dialect === 'postgres' ? await createTestDatabase() : undefined;
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
  const key = randomBytes(32);
  const vault = new Vault({ store, masterKey: { key, id: masterKeyId(key), source: 'environment' } });
  await vault.init();
  const app = await buildApp({ config, store, vault, logger: createLogger('debug', watch.stream) });
  await app.ready();
  return {
    app,
    store,
    vault,
    config,
    watch,
    dataDir,
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
