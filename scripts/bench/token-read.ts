import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Fastify from 'fastify';
import { buildApp } from '../../connector/src/app';
import { loadConfig } from '../../connector/src/config';
import { createLogger } from '../../connector/src/observability/logger';
import { createStore } from '../../connector/src/storage';
import { ACCESS_TOKEN_FIELD, REFRESH_TOKEN_FIELD, tokenOwnerId } from '../../connector/src/storage/store';
import { masterKeyId } from '../../connector/src/vault/master-key';
import { Vault } from '../../connector/src/vault/vault';
import { load, type LoadResult } from './load';

export interface TokenReadReport {
  bare: LoadResult & { cpuMicrosPerRequest: number };
  token: LoadResult & { cpuMicrosPerRequest: number };
  ratio: number;
}

/**
 * One measured run, with this process's CPU time per answered request: on two cores, with the load
 * generator on the other one, it varies less from run to run than requests per second.
 */
async function measured(url: string, options: { connections: number; durationSeconds: number; headers?: Record<string, string> }): Promise<LoadResult & { cpuMicrosPerRequest: number }> {
  const before = process.cpuUsage();
  const result = await load(url, options);
  const used = process.cpuUsage(before);
  return { ...result, cpuMicrosPerRequest: (used.user + used.system) / Math.max(1, result.total) };
}

/**
 * Token reads by a consumer against the ceiling: a bare Fastify route answering a JSON body of the
 * same size, in the same process, both driven by autocannon from another process.
 */
export async function benchTokenRead(options: { connections: number; durationSeconds: number }): Promise<TokenReadReport> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-token-read-'));
  const config = loadConfig({ CONNECTOR_DATA_DIR: dataDir, CONNECTOR_ADMIN_TOKEN: randomBytes(24).toString('hex'), CONNECTOR_ALLOWED_HOSTS: '127.0.0.1' }, dataDir);
  const store = createStore({ dataDir });
  await store.migrate();
  const key = randomBytes(32);
  const vault = new Vault({ store, masterKey: { key, id: masterKeyId(key), source: 'environment' } });
  await vault.init();
  // Request logging is at info; the benchmark runs at warn, as a busy production deployment would.
  const app = await buildApp({ config, store, vault, logger: createLogger('warn') });
  const links = app.connector.links;
  const link = await links.create({
    name: 'bench',
    remoteKind: 'jira',
    applicationUrl: 'http://127.0.0.1:9',
    authKind: 'oauth2',
    outgoing: { clientId: 'bench', clientSecret: 'bench-secret-0123456789', scopes: ['READ'] },
  });
  const now = Date.now();
  const owner = tokenOwnerId(link.id, '');
  await store.tokens.save(
    {
      linkId: link.id,
      subject: '',
      tokenType: 'Bearer',
      scopes: ['READ'],
      obtainedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + 3600_000).toISOString(),
      refreshAt: new Date(now + 3300_000).toISOString(),
      hasRefreshToken: true,
      state: 'valid',
      failureCount: 0,
      nextAttemptAt: null,
      lastErrorCode: null,
      updatedAt: new Date(now).toISOString(),
    },
    {
      accessToken: await vault.seal(owner, ACCESS_TOKEN_FIELD, randomBytes(24).toString('base64url')),
      refreshToken: await vault.seal(owner, REFRESH_TOKEN_FIELD, randomBytes(24).toString('base64url')),
    },
  );
  const { apiKey } = await app.connector.consumers.create({ name: 'bench', linkIds: [link.id] });
  const tokenUrl = `${await app.listen({ port: 0, host: '127.0.0.1' })}/v1/links/${link.id}/token`;

  const bare = Fastify();
  const sample = { accessToken: randomBytes(24).toString('base64url'), tokenType: 'Bearer', expiresAt: new Date(now + 3600_000).toISOString(), scopes: ['READ'] };
  bare.get('/bare/:id', async () => sample);
  const bareUrl = `${await bare.listen({ port: 0, host: '127.0.0.1' })}/bare/${randomUUID()}`;

  try {
    const check = await fetch(tokenUrl, { headers: { authorization: `Bearer ${apiKey}` } });
    if (check.status !== 200) throw new Error(`token route answered ${check.status}`);
    // A short warm-up each, so JIT and connection set-up do not count.
    await load(bareUrl, { connections: options.connections, durationSeconds: 2 });
    const bareResult = await measured(bareUrl, options);
    await load(tokenUrl, { connections: options.connections, durationSeconds: 2, headers: { authorization: `Bearer ${apiKey}` } });
    const tokenResult = await measured(tokenUrl, { ...options, headers: { authorization: `Bearer ${apiKey}` } });
    return { bare: bareResult, token: tokenResult, ratio: tokenResult.requestsPerSecond / bareResult.requestsPerSecond };
  } finally {
    await bare.close();
    await app.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
