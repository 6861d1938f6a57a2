import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../connector/src/app';
import { loadConfig } from '../../connector/src/config';
import { createLogger } from '../../connector/src/observability/logger';
import { createStore } from '../../connector/src/storage';
import { ACCESS_TOKEN_FIELD, tokenOwnerId, type Store } from '../../connector/src/storage/store';
import { masterKeyId, type MasterKey } from '../../connector/src/vault/master-key';
import { Vault } from '../../connector/src/vault/vault';
import { startFakeRemote } from './fake-remote';

const INTERVAL_S = 15 * 60;

export interface CostReport {
  links: number;
  checks: number;
  failed: number;
  wallSeconds: number;
  cpuMicrosPerCheck: number;
  /** CPU of checking every link once per 15 minutes, as a share of one core. */
  coreShare: number;
}

export interface ReplicaReport {
  links: number;
  replicas: number;
  intervals: number;
  checks: number;
  /** Links checked more than once within one interval. */
  twiceInOneInterval: number;
  /** Links not checked in an interval. */
  missed: number;
  wallSeconds: number;
}

interface Instance {
  store: Store;
  app: FastifyInstance;
  checks: string[];
}

async function openInstance(options: { databaseUrl?: string; dataDir: string; masterKey: MasterKey; clock: { t: number }; concurrency: number }): Promise<Instance> {
  const config = loadConfig({ CONNECTOR_DATA_DIR: options.dataDir, ...(options.databaseUrl === undefined ? {} : { DATABASE_URL: options.databaseUrl }), CONNECTOR_ALLOWED_HOSTS: '127.0.0.1', CONNECTOR_LOG_LEVEL: 'warn' }, options.dataDir);
  const store = createStore({ databaseUrl: options.databaseUrl, dataDir: options.dataDir });
  await store.migrate();
  const vault = new Vault({ store, masterKey: options.masterKey });
  await vault.init();
  const checks: string[] = [];
  const app = await buildApp({
    config,
    store,
    vault,
    logger: createLogger('warn'),
    monitoring: {
      observers: [{ observed: async (linkId) => void checks.push(linkId) }],
      scheduler: { now: () => options.clock.t, batchSize: 200, concurrency: options.concurrency },
    },
  });
  return { store, app, checks };
}

/** Links to the fake remote; with `tokens`, each holds an access token, as a connected link does. */
async function seed(instance: Instance, vault: Vault, baseUrl: string, links: number, tokens: boolean): Promise<void> {
  let next = 0;
  const one = async (): Promise<void> => {
    while (next < links) {
      const i = next;
      next += 1;
      const link = await instance.app.connector.links.create({
        name: `bench ${i}`,
        remoteKind: 'jira',
        applicationUrl: `${baseUrl}/r${i}`,
        authKind: tokens ? 'oauth2' : 'none',
        ...(tokens ? { outgoing: { clientId: `client-${i}`, clientSecret: `bench-secret-${i}-0123456789`, scopes: ['READ'] } } : {}),
      });
      if (!tokens) continue;
      const now = Date.now();
      await instance.store.tokens.save(
        {
          linkId: link.id,
          subject: '',
          tokenType: 'Bearer',
          scopes: ['READ'],
          obtainedAt: new Date(now).toISOString(),
          expiresAt: new Date(now + 30 * 24 * 3600_000).toISOString(),
          refreshAt: new Date(now + 29 * 24 * 3600_000).toISOString(),
          hasRefreshToken: false,
          state: 'valid',
          failureCount: 0,
          nextAttemptAt: null,
          lastErrorCode: null,
          updatedAt: new Date(now).toISOString(),
        },
        { accessToken: await vault.seal(tokenOwnerId(link.id, ''), ACCESS_TOKEN_FIELD, randomBytes(24).toString('base64url')), refreshToken: null },
      );
      await instance.store.links.setStatus(link.id, 'connected', null, new Date(now).toISOString());
    }
  };
  await Promise.all(Array.from({ length: 16 }, one));
}

async function scanUntilIdle(instances: Instance[]): Promise<void> {
  for (;;) {
    const claimed = await Promise.all(instances.map((i) => i.app.connector.monitoring.scheduler.runOnce()));
    if (claimed.every((n) => n === 0)) return;
  }
}

/**
 * The cost of scheduled checks on one replica (SQLite): `links` connected links, each holding a
 * token, all due at once; every stage runs against a fake remote in another process. The CPU this
 * process spends per check, times 10,000 checks per 15 minutes, is the share of one core.
 */
export async function benchCheckCost(options: { links: number; concurrency: number; log: (line: string) => void }): Promise<CostReport> {
  const remote = await startFakeRemote();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-checks-'));
  const key = randomBytes(32);
  const masterKey: MasterKey = { key, id: masterKeyId(key), source: 'environment' };
  const clock = { t: Date.now() };
  try {
    const instance = await openInstance({ dataDir, masterKey, clock, concurrency: options.concurrency });
    const vault = new Vault({ store: instance.store, masterKey });
    await vault.init();
    await seed(instance, vault, remote.baseUrl, options.links, true);
    options.log(`seeded ${options.links} connected links`);
    // Seeding spread the first checks over 15 minutes; all of them are due 16 minutes on.
    await instance.store.health.seed(() => new Date(clock.t).toISOString(), options.links);
    clock.t += 16 * 60_000;
    const cpu = process.cpuUsage();
    const started = performance.now();
    await scanUntilIdle([instance]);
    const wallSeconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const checks = instance.checks.length;
    const failed = (await instance.store.health.hourTotals(await allIds(instance.store), new Date(0).toISOString())).values();
    let failures = 0;
    for (const t of failed) failures += t.failures;
    const micros = (used.user + used.system) / Math.max(1, checks);
    await instance.app.close();
    await instance.store.close();
    return { links: options.links, checks, failed: failures, wallSeconds, cpuMicrosPerCheck: micros, coreShare: (micros * 10_000) / (INTERVAL_S * 1e6) };
  } finally {
    remote.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function allIds(store: Store): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.links.list({ limit: 500, cursor });
    ids.push(...page.items.map((l) => l.id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return ids;
}

/**
 * Replicas on one PostgreSQL scanning at the same moments over several intervals: counts the links
 * checked twice within one interval (target 0) and those not checked at all.
 */
export async function benchCheckReplicas(options: { databaseUrl: string; links: number; replicas: number; intervals: number; log: (line: string) => void }): Promise<ReplicaReport> {
  const remote = await startFakeRemote();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-check-replicas-'));
  const key = randomBytes(32);
  const masterKey: MasterKey = { key, id: masterKeyId(key), source: 'environment' };
  const clock = { t: Date.now() };
  const instances: Instance[] = [];
  try {
    for (let i = 0; i < options.replicas; i += 1) instances.push(await openInstance({ databaseUrl: options.databaseUrl, dataDir, masterKey, clock, concurrency: 16 }));
    const vault = new Vault({ store: instances[0]!.store, masterKey });
    await vault.init();
    await seed(instances[0]!, vault, remote.baseUrl, options.links, false);
    options.log(`seeded ${options.links} links`);
    // First checks spread over the 15 minutes from now, as a replica's first scan spreads them.
    await instances[0]!.store.health.seed(() => new Date(clock.t + Math.floor(Math.random() * INTERVAL_S * 1000)).toISOString(), options.links);
    const started = performance.now();
    let twice = 0;
    let missed = 0;
    for (let round = 0; round < options.intervals; round += 1) {
      // Every link is due within the 15 minutes after seeding (first round) or its last check.
      clock.t += INTERVAL_S * 1000 + 61_000;
      const before = instances.map((i) => i.checks.length);
      await scanUntilIdle(instances);
      const counts = new Map<string, number>();
      instances.forEach((inst, i) => inst.checks.slice(before[i]).forEach((id) => counts.set(id, (counts.get(id) ?? 0) + 1)));
      twice += [...counts.values()].filter((n) => n > 1).length;
      missed += options.links - counts.size;
    }
    const wallSeconds = (performance.now() - started) / 1000;
    const checks = instances.reduce((sum, i) => sum + i.checks.length, 0);
    for (const i of instances) {
      await i.app.close();
      await i.store.close();
    }
    return { links: options.links, replicas: options.replicas, intervals: options.intervals, checks, twiceInOneInterval: twice, missed, wallSeconds };
  } finally {
    remote.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
