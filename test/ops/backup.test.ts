import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { runCli } from '../../connector/src/cli';
import { loadConfig } from '../../connector/src/config';
import { createLogger } from '../../connector/src/observability/logger';
import { openApp } from '../../connector/src/runtime';
import { SQLITE_FILE_NAME } from '../../connector/src/storage';
import { LeakWatch } from '../helpers/leak-watch';
import { startOidcServer, type OidcServer } from '../helpers/oidc-server';

/**
 * `applinks-connector backup <file>` against a connector that keeps serving (and writing) the same
 * SQLite store, then a restore: the backup copied into a new data folder, a new connector started
 * on it with the same master key, which must serve the same links and the same tokens.
 */
const ADMIN_TOKEN = randomBytes(32).toString('hex');
const PUBLIC_URL = 'http://127.0.0.1:8787';

interface Connector {
  app: FastifyInstance;
  request(options: InjectOptions & { token?: string }): Promise<{ statusCode: number; json(): unknown; body: string }>;
  close(): Promise<void>;
}

async function startConnector(env: Record<string, string>, watch: LeakWatch): Promise<Connector> {
  const config = loadConfig({ CONNECTOR_ADMIN_TOKEN: ADMIN_TOKEN, CONNECTOR_PUBLIC_URL: PUBLIC_URL, CONNECTOR_ALLOWED_HOSTS: '127.0.0.1', ...env });
  const { app } = await openApp(config, createLogger('debug', watch.stream));
  return {
    app,
    request: async ({ token, ...options }) => {
      const res = await app.inject({ ...options, headers: { ...options.headers, authorization: `Bearer ${token ?? ADMIN_TOKEN}` } });
      watch.record(res.body);
      return res;
    },
    close: () => app.close(),
  };
}

async function cli(argv: string[], env: NodeJS.ProcessEnv, watch: LeakWatch) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { env, cwd: tmpdir(), out: (l) => out.push(l), err: (l) => err.push(l) });
  watch.record(out.join('\n'));
  watch.record(err.join('\n'));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('applinks-connector backup', () => {
  let oidc: OidcServer;
  const folders: string[] = [];
  const folder = (prefix: string) => {
    const dir = mkdtempSync(path.join(tmpdir(), prefix));
    folders.push(dir);
    return dir;
  };

  beforeAll(async () => {
    oidc = await startOidcServer();
  });
  afterAll(async () => {
    await oidc.stop();
    for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  });

  it('copies the store while the connector serves, and a connector restored from the copy serves the same links and tokens', async () => {
    const watch = new LeakWatch();
    const masterKey = watch.secret(randomBytes(32).toString('base64'));
    watch.secret(ADMIN_TOKEN);
    const client = oidc.clients.post!;
    watch.secret(client.clientSecret);
    const original = folder('backup-original-');
    const env = { CONNECTOR_DATA_DIR: original, CONNECTOR_MASTER_KEY: masterKey };
    const serving = await startConnector(env, watch);

    const created = await serving.request({
      method: 'POST',
      url: '/v1/links',
      payload: {
        name: 'Jira DC',
        remoteKind: 'jira',
        applicationUrl: oidc.baseUrl,
        outgoing: { clientId: client.clientId, clientSecret: client.clientSecret, scopes: ['READ'], authorizationEndpoint: oidc.authorizationEndpoint, tokenEndpoint: oidc.tokenEndpoint },
      },
    });
    expect(created.statusCode).toBe(201);
    const linkId = (created.json() as { id: string }).id;
    const start = await serving.request({ method: 'POST', url: `/v1/links/${linkId}/authorize`, payload: {} });
    const { code, state } = await oidc.authorize((start.json() as { authorizationUrl: string }).authorizationUrl);
    watch.secret(code);
    const callback = await serving.app.inject({ method: 'GET', url: `/oauth/callback?code=${encodeURIComponent(code)}&state=${encodeURIComponent(state ?? '')}` });
    expect(callback.statusCode).toBe(200);
    const consumer = await serving.request({ method: 'POST', url: '/v1/consumers', payload: { name: 'DC integration', linkIds: [linkId] } });
    expect(consumer.statusCode).toBe(201);
    const apiKey = watch.secret((consumer.json() as { apiKey: string }).apiKey, (text) => text.includes('"apiKey"'));
    const before = await serving.request({ method: 'GET', url: `/v1/links/${linkId}/token`, token: apiKey });
    expect(before.statusCode).toBe(200);
    const token = before.json() as { accessToken: string; expiresAt: string };
    watch.secret(token.accessToken, (text) => text.includes('"accessToken"'));
    const linksBefore = (await serving.request({ method: 'GET', url: '/v1/links' })).json() as { items: unknown[] };

    // The copy is taken while the connector keeps the store open and keeps writing to it.
    const backups = folder('backup-target-');
    const target = path.join(backups, 'connector-backup.db');
    const writes = Promise.all(
      [1, 2, 3].map((n) => serving.request({ method: 'POST', url: '/v1/links', payload: { name: `Confluence DC ${n}`, remoteKind: 'confluence', applicationUrl: `https://confluence${n}.example.com`, authKind: 'none' } })),
    );
    const result = await cli(['backup', target], env, watch);
    expect((await writes).map((r) => r.statusCode)).toEqual([201, 201, 201]);
    expect(result).toMatchObject({ code: 0, out: target });
    expect(result.err).toContain('The master key is not in the backup');
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect(readdirSync(backups)).toEqual(['connector-backup.db']);
    expect(readFileSync(target).includes(Buffer.from(masterKey))).toBe(false);
    expect(readFileSync(target).includes(Buffer.from(client.clientSecret))).toBe(false);
    await serving.close();

    // Restore: the copy becomes the store of a new data folder; the master key comes from elsewhere.
    const restored = folder('backup-restored-');
    copyFileSync(target, path.join(restored, SQLITE_FILE_NAME));
    const second = await startConnector({ CONNECTOR_DATA_DIR: restored, CONNECTOR_MASTER_KEY: masterKey }, watch);
    try {
      // The link as it was, and of the links created during the copy, whole ones only.
      const linksAfter = (await second.request({ method: 'GET', url: '/v1/links' })).json() as { items: { id: string; name: string }[] };
      expect(linksAfter.items.filter((l) => l.id === linkId)).toEqual(linksBefore.items);
      for (const other of linksAfter.items.filter((l) => l.id !== linkId)) {
        expect(other.name).toMatch(/^Confluence DC [123]$/);
        expect((await second.request({ method: 'GET', url: `/v1/links/${other.id}` })).statusCode).toBe(200);
      }
      const after = await second.request({ method: 'GET', url: `/v1/links/${linkId}/token`, token: apiKey });
      expect(after.statusCode).toBe(200);
      expect(after.json()).toMatchObject({ accessToken: token.accessToken, expiresAt: token.expiresAt });
    } finally {
      await second.close();
    }
    expect(watch.leaks()).toEqual([]);
  });

  it('never overwrites a file, and leaves no partial copy behind when it refuses', async () => {
    const watch = new LeakWatch();
    const dataDir = folder('backup-exists-');
    const env = { CONNECTOR_DATA_DIR: dataDir, CONNECTOR_MASTER_KEY: randomBytes(32).toString('base64') };
    expect((await cli(['links', 'list'], env, watch)).code).toBe(0);
    const target = path.join(dataDir, 'copy.db');
    expect((await cli(['backup', target], env, watch)).code).toBe(0);
    const again = await cli(['backup', target], env, watch);
    expect(again.code).toBe(1);
    expect(again.err).toContain('already exists');
    expect(again.err).not.toContain('Usage:');
    expect(readdirSync(dataDir).filter((name) => name.includes('partial'))).toEqual([]);
  });

  it('says there is no store rather than creating one', async () => {
    const watch = new LeakWatch();
    const dataDir = folder('backup-empty-');
    const result = await cli(['backup', path.join(dataDir, 'copy.db')], { CONNECTOR_DATA_DIR: dataDir }, watch);
    expect(result.code).toBe(1);
    expect(result.err).toContain('there is no store');
    expect(existsSync(path.join(dataDir, SQLITE_FILE_NAME))).toBe(false);
  });

  it('refuses on PostgreSQL and names pg_dump, without echoing the database URL', async () => {
    const watch = new LeakWatch();
    const url = watch.secret('postgres://applinks:db-password-0123456789@db.example.internal:5432/applinks');
    const dataDir = folder('backup-pg-');
    const result = await cli(['backup', path.join(dataDir, 'copy.db')], { CONNECTOR_DATA_DIR: dataDir, DATABASE_URL: url }, watch);
    expect(result.code).toBe(1);
    expect(result.err).toContain('pg_dump');
    expect(existsSync(path.join(dataDir, 'copy.db'))).toBe(false);
    expect(watch.leaks()).toEqual([]);
  });
});
