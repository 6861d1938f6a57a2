/**
 * How long `/metrics` takes with per-link gauges for many links (issue 15 item 5a: computed at
 * scrape time from the store). Seeds links (half with a client-secret expiry, half with a token,
 * all with a certificate expiry) on SQLite, or on PostgreSQL when a database URL is given, then
 * scrapes through the app a few times and reports the median and the slowest.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildApp } from '../../connector/src/app';
import { loadConfig } from '../../connector/src/config';
import { createLogger } from '../../connector/src/observability/logger';
import { createStore } from '../../connector/src/storage';
import type { LinkRecord } from '../../connector/src/storage/store';
import { masterKeyId } from '../../connector/src/vault/master-key';
import { Vault } from '../../connector/src/vault/vault';

export interface ScrapeReport {
  links: number;
  dialect: string;
  seedSeconds: number;
  scrapesMs: number[];
  /** Process CPU per scrape (user + system), which the machine's other load does not inflate. */
  cpuMs: number[];
  medianMs: number;
  medianCpuMs: number;
  maxMs: number;
  bytes: number;
}

export async function benchMetricsScrape(options: { links: number; scrapes?: number; databaseUrl?: string }): Promise<ScrapeReport> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-metrics-'));
  const config = loadConfig({ CONNECTOR_DATA_DIR: dataDir, ...(options.databaseUrl === undefined ? {} : { DATABASE_URL: options.databaseUrl }), CONNECTOR_LOG_LEVEL: 'warn' }, dataDir);
  const store = createStore({ databaseUrl: options.databaseUrl, dataDir });
  try {
    await store.migrate();
    const key = randomBytes(32);
    const vault = new Vault({ store, masterKey: { key, id: masterKeyId(key), source: 'environment' } });
    await vault.init();
    const seedStarted = performance.now();
    const now = Date.now();
    for (let i = 0; i < options.links; i += 1) {
      const id = randomUUID();
      const createdAt = new Date(now - options.links + i).toISOString();
      const record: LinkRecord = {
        id,
        name: `Jira ${i}`,
        remoteKind: 'jira',
        applicationUrl: `https://jira${i}.example.com`,
        displayUrl: null,
        authKind: 'oauth2',
        status: i % 10 === 0 ? 'failing' : 'connected',
        statusReason: null,
        outgoing: {
          clientId: 'c',
          clientSecretSetAt: null,
          clientSecretLast4: null,
          scopes: ['READ'],
          authorizationEndpoint: null,
          tokenEndpoint: null,
          revocationEndpoint: null,
          apiProbeUrl: null,
          tenant: null,
          grantType: 'authorization_code',
          secretExpiresAt: i % 2 === 0 ? new Date(now + (i % 400) * 86_400_000).toISOString() : null,
        },
        createdAt,
        updatedAt: createdAt,
        version: 1,
      };
      await store.links.create(record);
      await store.monitoring.recordCertificate({ linkId: id, host: `jira${i}.example.com`, validTo: new Date(now + 90 * 86_400_000).toISOString(), observedAt: createdAt });
      if (i % 2 === 1) {
        const iso = new Date(now).toISOString();
        await store.tokens.save(
          { linkId: id, subject: '', tokenType: 'Bearer', scopes: ['READ'], obtainedAt: iso, expiresAt: iso, refreshAt: iso, hasRefreshToken: true, state: 'valid', failureCount: 0, nextAttemptAt: null, lastErrorCode: null, updatedAt: iso },
          { accessToken: await vault.seal(`token:${id}:`, 'accessToken', 'a'), refreshToken: await vault.seal(`token:${id}:`, 'refreshToken', 'r') },
        );
      }
    }
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    const app = await buildApp({ config, store, vault, logger: createLogger('warn') });
    const scrapesMs: number[] = [];
    const cpuMs: number[] = [];
    let bytes = 0;
    try {
      for (let i = 0; i < (options.scrapes ?? 7); i += 1) {
        // Past the one-second sharing window, so each scrape reads the store again.
        await new Promise((resolve) => setTimeout(resolve, 1_100));
        const started = performance.now();
        const cpu = process.cpuUsage();
        const response = await app.inject({ method: 'GET', url: '/metrics' });
        scrapesMs.push(performance.now() - started);
        const used = process.cpuUsage(cpu);
        cpuMs.push((used.user + used.system) / 1000);
        bytes = response.body.length;
      }
    } finally {
      await app.close();
    }
    const sorted = [...scrapesMs].sort((a, b) => a - b);
    const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    return { links: options.links, dialect: store.dialect, seedSeconds, scrapesMs, cpuMs, medianMs: median(scrapesMs), medianCpuMs: median(cpuMs), maxMs: sorted[sorted.length - 1]!, bytes };
  } finally {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchMetricsScrape({ links: Number(process.env.BENCH_LINKS ?? 10_000), databaseUrl: process.env.BENCH_DATABASE_URL })
    .then((report) => process.stdout.write(`${JSON.stringify({ ...report, scrapesMs: report.scrapesMs.map(Math.round), cpuMs: report.cpuMs.map(Math.round) })}\n`))
    .catch((error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exitCode = 1;
    });
}
