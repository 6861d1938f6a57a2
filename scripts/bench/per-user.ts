import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildApp } from '../../connector/src/app';
import { loadConfig } from '../../connector/src/config';
import { RefreshScheduler } from '../../connector/src/credentials/scheduler';
import { createLogger } from '../../connector/src/observability/logger';
import { createStore } from '../../connector/src/storage';
import { ACCESS_TOKEN_FIELD, REFRESH_TOKEN_FIELD, tokenOwnerId, type TokenRecord } from '../../connector/src/storage/store';
import { masterKeyId } from '../../connector/src/vault/master-key';
import { Vault } from '../../connector/src/vault/vault';
import { load } from './load';

export interface PerUserReport {
  users: number;
  seedSeconds: number;
  rssAfterSeedMb: number;
  rssAfterReadsMb: number;
  heapUsedMb: number;
  read: { requestsPerSecond: number; p50: number; p99: number; errors: number; cpuMicrosPerRead: number };
  /** The admin's users list, 50 a page: the first page and one 99 % of the way down (keyset paging). */
  usersPageMs: { first: number; deep: number };
  storm: { refreshed: number; seconds: number; cpuMsPerRefresh: number; duplicates: number; late: number; spreadSeconds: number };
}

type Endpoint = { child: ChildProcess; url: string; ask<T>(message: object): Promise<T> };

async function startEndpoint(latencyMs: number): Promise<Endpoint> {
  const child = fork(path.join(__dirname, 'token-endpoint-process.js'), [String(latencyMs)], { stdio: 'inherit' });
  const url = await new Promise<string>((resolve) => child.once('message', (m: { url: string }) => resolve(m.url)));
  const ask = <T>(message: object) =>
    new Promise<T>((resolve) => {
      child.once('message', (m: T) => resolve(m));
      child.send(message);
    });
  return { child, url, ask };
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

/**
 * 100,000 users' credentials on one per-user link of one connector (SQLite, its embedded store):
 * resident memory once every token has been read (so every one is in the token cache), token
 * reads by subject at 50 connections, and a storm in which `stormUsers` of them expire within a
 * minute, with the connector's CPU time per refresh (the token endpoint runs in another process).
 */
export async function benchPerUser(options: { users: number; stormUsers: number; connections: number; durationSeconds: number; log: (line: string) => void }): Promise<PerUserReport> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-per-user-'));
  const endpoint = await startEndpoint(20);
  const config = loadConfig({ CONNECTOR_DATA_DIR: dataDir, CONNECTOR_ALLOWED_HOSTS: '127.0.0.1', CONNECTOR_ADMIN_TOKEN: randomBytes(24).toString('hex') }, dataDir);
  const store = createStore({ dataDir });
  await store.migrate();
  const key = randomBytes(32);
  const vault = new Vault({ store, masterKey: { key, id: masterKeyId(key), source: 'environment' } });
  await vault.init();
  const logger = createLogger('warn');
  const app = await buildApp({ config, store, vault, logger });
  try {
    const link = await app.connector.links.create({
      name: 'per-user bench',
      remoteKind: 'jira',
      applicationUrl: `http://127.0.0.1:${new URL(endpoint.url).port}`,
      authKind: 'oauth2-impersonation',
      outgoing: { clientId: 'bench', clientSecret: 'bench-secret-0123456789', scopes: ['READ'], tokenEndpoint: endpoint.url },
    });
    const subject = (i: number) => `712020:bench-user-${String(i).padStart(6, '0')}`;
    const seedStarted = Date.now();
    const now = Date.now();
    // The storm's users expire within a minute of the storm's start, decided after seeding.
    const later = now + 3600_000;
    const batch = 1_000;
    for (let from = 0; from < options.users; from += batch) {
      const count = Math.min(batch, options.users - from);
      const { tokens } = await endpoint.ask<{ tokens: string[] }>({ issue: Array.from({ length: count }, () => later) });
      for (let k = 0; k < count; k += 1) {
        const i = from + k;
        const owner = tokenOwnerId(link.id, subject(i));
        const record: TokenRecord = {
          linkId: link.id, subject: subject(i), tokenType: 'Bearer', scopes: ['READ'],
          obtainedAt: new Date(now).toISOString(), expiresAt: new Date(later).toISOString(), refreshAt: new Date(later - 300_000).toISOString(),
          hasRefreshToken: true, state: 'valid', failureCount: 0, nextAttemptAt: null, lastErrorCode: null, updatedAt: new Date(now).toISOString(),
        };
        await store.tokens.save(record, {
          accessToken: await vault.seal(owner, ACCESS_TOKEN_FIELD, randomBytes(24).toString('base64url')),
          refreshToken: await vault.seal(owner, REFRESH_TOKEN_FIELD, tokens[k]!),
        });
        await store.userConnections.put({ linkId: link.id, subject: subject(i), remoteUsername: `user${i}`, remoteDisplayName: null, connectedAt: record.obtainedAt, disconnectedAt: null, disconnectedBy: null });
      }
      if (from % 20_000 === 0) options.log(`seeded ${from + count} users`);
    }
    const seedSeconds = (Date.now() - seedStarted) / 1000;
    global.gc?.();
    const rssAfterSeedMb = mb(process.memoryUsage().rss);

    // Every user's token read once (one decrypt each), so the cache holds all of them.
    for (let i = 0; i < options.users; i += 1) await app.connector.credentials.getAccessToken(link.id, subject(i));
    global.gc?.();
    const memory = process.memoryUsage();
    const { apiKey } = await app.connector.consumers.create({ name: 'bench', linkIds: [link.id] });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const paths = Array.from({ length: 2_000 }, () => `/v1/links/${link.id}/token?subject=${encodeURIComponent(subject(Math.floor(Math.random() * options.users)))}`);
    const headers = { authorization: `Bearer ${apiKey}` };
    await load(base, { connections: options.connections, durationSeconds: 2, headers, paths });
    const readCpu = process.cpuUsage();
    const read = await load(base, { connections: options.connections, durationSeconds: options.durationSeconds, headers, paths });
    const readUsed = process.cpuUsage(readCpu);

    const page = async (cursor?: string) => {
      const started = performance.now();
      const res = await app.inject({ method: 'GET', url: `/v1/links/${link.id}/users?limit=50${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`, headers: { authorization: `Bearer ${config.adminToken}` } });
      if (res.statusCode !== 200 || (res.json() as { items: unknown[] }).items.length === 0) throw new Error(`users page: ${res.statusCode}`);
      return performance.now() - started;
    };
    await page();
    const usersPageMs = { first: await page(), deep: await page(subject(Math.floor(options.users * 0.99))) };

    // The storm: `stormUsers` credentials expiring within the first minute, the rest far later.
    const start = Date.now() + 3_000;
    const stormSubjects = Array.from({ length: options.stormUsers }, (_, i) => subject(i * Math.floor(options.users / options.stormUsers)));
    const expiries = stormSubjects.map(() => start + 1_000 + Math.floor(Math.random() * 59_000));
    const { tokens } = await endpoint.ask<{ tokens: string[] }>({ issue: expiries });
    for (let k = 0; k < stormSubjects.length; k += 1) {
      const owner = tokenOwnerId(link.id, stormSubjects[k]!);
      const expiresAt = expiries[k]!;
      await store.tokens.save(
        {
          linkId: link.id, subject: stormSubjects[k]!, tokenType: 'Bearer', scopes: ['READ'],
          obtainedAt: new Date(expiresAt - 3600_000).toISOString(), expiresAt: new Date(expiresAt).toISOString(), refreshAt: new Date(start).toISOString(),
          hasRefreshToken: true, state: 'valid', failureCount: 0, nextAttemptAt: null, lastErrorCode: null, updatedAt: new Date().toISOString(),
        },
        { accessToken: await vault.seal(owner, ACCESS_TOKEN_FIELD, randomBytes(24).toString('base64url')), refreshToken: await vault.seal(owner, REFRESH_TOKEN_FIELD, tokens[k]!) },
      );
    }
    while (Date.now() < start) await new Promise((r) => setTimeout(r, 10));
    const scheduler = new RefreshScheduler({ store, credentials: app.connector.credentials, logger, intervalMs: 100, concurrency: 8, batchSize: 500 });
    const baseline = (await endpoint.ask<{ stats: { requests: number } }>({ stats: true })).stats.requests;
    const cpuBefore = process.cpuUsage();
    const began = Date.now();
    scheduler.start();
    let stats: { requests: number; duplicates: number; late: number; unknown: number };
    for (;;) {
      stats = (await endpoint.ask<{ stats: typeof stats }>({ stats: true })).stats;
      if (stats.requests - baseline >= stormSubjects.length) break;
      if (Date.now() - began > 300_000) throw new Error(`storm did not finish in 300 s: ${JSON.stringify(stats)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await scheduler.stop();
    const cpu = process.cpuUsage(cpuBefore);
    const seconds = (Date.now() - began) / 1000;
    const refreshed = stats.requests - baseline;
    // How far apart the new refresh times of the storm's users fell (the per-user spread).
    const after = await Promise.all(stormSubjects.slice(0, 1000).map((s) => store.tokens.get(link.id, s)));
    const times = after.map((t) => Date.parse(t!.record.refreshAt)).sort((a, b) => a - b);
    return {
      users: options.users,
      seedSeconds,
      rssAfterSeedMb,
      rssAfterReadsMb: mb(memory.rss),
      heapUsedMb: mb(memory.heapUsed),
      usersPageMs,
      read: { requestsPerSecond: read.requestsPerSecond, p50: read.p50, p99: read.p99, errors: read.non2xx + read.errors + read.timeouts, cpuMicrosPerRead: (readUsed.user + readUsed.system) / Math.max(1, read.total) },
      storm: { refreshed, seconds, cpuMsPerRefresh: (cpu.user + cpu.system) / 1000 / Math.max(1, refreshed), duplicates: stats.duplicates, late: stats.late, spreadSeconds: (times[times.length - 1]! - times[0]!) / 1000 },
    };
  } finally {
    await app.close();
    await store.close();
    endpoint.child.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
