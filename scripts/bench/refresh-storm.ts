import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../connector/src/app';
import { loadConfig } from '../../connector/src/config';
import { RefreshScheduler } from '../../connector/src/credentials/scheduler';
import { computeRefreshAt, DEFAULT_REFRESH_POLICY } from '../../connector/src/credentials/refresh-policy';
import { createLogger } from '../../connector/src/observability/logger';
import { createStore } from '../../connector/src/storage';
import { ACCESS_TOKEN_FIELD, REFRESH_TOKEN_FIELD, tokenOwnerId, type Store } from '../../connector/src/storage/store';
import { masterKeyId, type MasterKey } from '../../connector/src/vault/master-key';
import { Vault } from '../../connector/src/vault/vault';
import { startFakeTokenEndpoint } from './fake-token-endpoint';

export interface StormReport {
  links: number;
  replicas: number;
  latencyMs: number;
  seedSeconds: number;
  totalSeconds: number;
  providerRequests: number;
  duplicates: number;
  lateRefreshes: number;
  unknownTokens: number;
}

interface Replica {
  store: Store;
  app: FastifyInstance;
  scheduler: RefreshScheduler;
}

/**
 * A refresh storm: `links` links whose access tokens all expire within the next minute, replicas
 * sharing one PostgreSQL, a token endpoint that answers after `latencyMs`. It reports how long the
 * replicas took to refresh everything, how many token requests reached the provider, and how
 * many were duplicates (a refresh token presented twice) or late (after the token expired).
 */
export async function benchRefreshStorm(options: { databaseUrl: string; links: number; replicas: number; latencyMs: number; concurrency: number; log?: (line: string) => void }): Promise<StormReport> {
  const log = options.log ?? (() => undefined);
  const endpoint = await startFakeTokenEndpoint({ latencyMs: options.latencyMs, accessSeconds: 3600 });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-storm-'));
  const config = loadConfig({ CONNECTOR_DATA_DIR: dataDir, DATABASE_URL: options.databaseUrl, CONNECTOR_ALLOWED_HOSTS: '127.0.0.1', CONNECTOR_LOG_LEVEL: 'warn' }, dataDir);
  const keyBytes = randomBytes(32);
  const masterKey: MasterKey = { key: keyBytes, id: masterKeyId(keyBytes), source: 'environment' };
  const replicas: Replica[] = [];
  try {
    for (let i = 0; i < options.replicas; i += 1) {
      const store = createStore({ databaseUrl: options.databaseUrl, dataDir });
      await store.migrate();
      const vault = new Vault({ store, masterKey });
      await vault.init();
      const logger = createLogger('warn');
      const app = await buildApp({ config, store, vault, logger });
      const scheduler = new RefreshScheduler({ store, credentials: app.connector.credentials, logger, intervalMs: 100, concurrency: options.concurrency, batchSize: 500 });
      replicas.push({ store, app, scheduler });
    }
    const seeder = replicas[0]!;
    const seedVault = new Vault({ store: seeder.store, masterKey });
    await seedVault.init();

    // Seed: every token expires within the first minute after the storm starts. The seeding
    // itself takes a while, so expiry times are set from a start time decided afterwards.
    const seedStarted = Date.now();
    const ids: string[] = [];
    const tokenUrl = endpoint.url;
    let next = 0;
    const seedOne = async (): Promise<void> => {
      while (next < options.links) {
        const index = next;
        next += 1;
        const link = await seeder.app.connector.links.create({
          name: `storm ${index}`,
          remoteKind: 'jira',
          applicationUrl: `http://127.0.0.1:${new URL(tokenUrl).port}`,
          authKind: 'oauth2',
          outgoing: { clientId: `client-${index}`, clientSecret: `storm-secret-${index}-0123456789`, scopes: ['READ'], tokenEndpoint: tokenUrl },
        });
        ids.push(link.id);
      }
    };
    await Promise.all(Array.from({ length: 16 }, seedOne));
    // Writing the tokens takes about as long as writing the links did; the storm starts after.
    const start = Date.now() + Math.max(5_000, Math.round((Date.now() - seedStarted) * 2.5));
    next = 0;
    const tokenOne = async (): Promise<void> => {
      while (next < ids.length) {
        const linkId = ids[next]!;
        next += 1;
        const expiresAt = start + 1_000 + Math.floor(Math.random() * 59_000);
        const obtainedAt = expiresAt - 3600_000;
        const owner = tokenOwnerId(linkId, '');
        await seeder.store.tokens.save(
          {
            linkId,
            subject: '',
            tokenType: 'Bearer',
            scopes: ['READ'],
            obtainedAt: new Date(obtainedAt).toISOString(),
            expiresAt: new Date(expiresAt).toISOString(),
            refreshAt: new Date(computeRefreshAt(obtainedAt, expiresAt, DEFAULT_REFRESH_POLICY, Math.random)).toISOString(),
            hasRefreshToken: true,
            state: 'valid',
            failureCount: 0,
            nextAttemptAt: null,
            lastErrorCode: null,
            updatedAt: new Date().toISOString(),
          },
          {
            accessToken: await seedVault.seal(owner, ACCESS_TOKEN_FIELD, randomBytes(24).toString('base64url')),
            refreshToken: await seedVault.seal(owner, REFRESH_TOKEN_FIELD, endpoint.issue(expiresAt)),
          },
        );
      }
    };
    // Tokens are written last and fast, so that most of the minute is left when the storm starts.
    await Promise.all(Array.from({ length: 16 }, tokenOne));
    const seedSeconds = (Date.now() - seedStarted) / 1000;
    log(`seeded ${ids.length} links and tokens in ${seedSeconds.toFixed(1)} s`);
    if (Date.now() > start) log('warning: seeding overran the planned start; some tokens may already be close to expiry');
    while (Date.now() < start) await new Promise((r) => setTimeout(r, 10));

    const began = Date.now();
    for (const r of replicas) r.scheduler.start();
    for (;;) {
      const s = endpoint.stats();
      if (s.requests - s.duplicates - s.unknown >= ids.length) break;
      if (Date.now() - began > 180_000) throw new Error(`storm did not finish in 180 s: ${JSON.stringify(s)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const totalSeconds = (Date.now() - began) / 1000;
    for (const r of replicas) await r.scheduler.stop();
    const stats = endpoint.stats();
    return {
      links: ids.length,
      replicas: options.replicas,
      latencyMs: options.latencyMs,
      seedSeconds,
      totalSeconds,
      providerRequests: stats.requests,
      duplicates: stats.duplicates,
      lateRefreshes: stats.late,
      unknownTokens: stats.unknown,
    };
  } finally {
    for (const r of replicas) {
      await r.scheduler.stop();
      await r.app.close();
      await r.store.close();
    }
    await endpoint.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
