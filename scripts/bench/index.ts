/**
 * `npm run bench`: prints the figures issue 3 asks for, from one run on this machine.
 *   1. Token reads by a consumer vs a bare Fastify route (the ceiling), 50 connections.
 *   2. A refresh storm: 10,000 links expiring within a minute, 3 replicas on PostgreSQL, a token
 *      endpoint with 20 ms latency.
 *   3. The admin page with 500 links in Chromium: time to the last row, input delay afterwards.
 *   4. Scheduled checks (checks-main.ts): CPU per check on one replica, duplicates across three.
 * PostgreSQL is the embedded one the tests use (started here, removed afterwards), unless
 * BENCH_DATABASE_URL names a database to use. Sizes can be changed with BENCH_LINKS,
 * BENCH_REPLICAS, BENCH_SECONDS.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchAdminPage } from './admin-page';
import { benchMetricsScrape } from './metrics-scrape';
import { benchScheduledChecks } from './checks-main';
import { benchRefreshStorm } from './refresh-storm';
import { benchTokenRead } from './token-read';

const env = (name: string, fallback: number): number => {
  const value = process.env[name];
  return value === undefined ? fallback : Number(value);
};

async function withDatabase<T>(run: (url: string) => Promise<T>): Promise<T> {
  if (process.env.BENCH_DATABASE_URL !== undefined) return run(process.env.BENCH_DATABASE_URL);
  const root = path.resolve(__dirname, '../../..');
  const setup = (await import(pathToFileURL(path.join(root, 'test/setup/global-setup.mjs')).href)) as { default: () => Promise<void> };
  const teardown = (await import(pathToFileURL(path.join(root, 'test/setup/global-teardown.mjs')).href)) as { default: () => Promise<void> };
  await setup.default();
  try {
    const pg = await import('pg');
    const admin = new pg.default.Client({ connectionString: process.env.TEST_PG_URL });
    await admin.connect();
    await admin.query('CREATE DATABASE bench_storm');
    await admin.end();
    const url = new URL(process.env.TEST_PG_URL ?? '');
    url.pathname = '/bench_storm';
    return await run(url.toString());
  } finally {
    await teardown.default();
  }
}

async function main(): Promise<void> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const connections = env('BENCH_CONNECTIONS', 50);
  const seconds = env('BENCH_SECONDS', 10);
  out(`# applinks connector benchmark (node ${process.version}, ${new Date().toISOString()})`);
  out(`\n## token reads: GET /v1/links/:id/token vs a bare Fastify route, ${connections} connections, ${seconds} s each`);
  const read = await benchTokenRead({ connections, durationSeconds: seconds });
  const row = (name: string, r: typeof read.bare) =>
    `| ${name} | ${Math.round(r.requestsPerSecond)} | ${r.p50} | ${r.p99} | ${r.cpuMicrosPerRequest.toFixed(1)} | ${r.non2xx + r.errors + r.timeouts} |`;
  out('| route | req/s | p50 ms | p99 ms | server CPU µs/request | errors |\n|---|---|---|---|---|---|');
  out(row('bare Fastify (ceiling)', read.bare));
  out(row('token read (consumer)', read.token));
  out(`ratio token/bare: ${read.ratio.toFixed(2)} (target >= 0.70), token p99 ${read.token.p99} ms (target < 10 ms)`);

  const links = env('BENCH_LINKS', 10_000);
  const replicas = env('BENCH_REPLICAS', 3);
  out(`\n## refresh storm: ${links} links expiring within one minute, ${replicas} replicas on PostgreSQL, token endpoint latency 20 ms`);
  const storm = await withDatabase((url) => benchRefreshStorm({ databaseUrl: url, links, replicas, latencyMs: 20, concurrency: 8, log: (l) => out(`  ${l}`) }));
  out('| links | replicas | total s | provider requests | duplicate refreshes | refreshed after expiry |\n|---|---|---|---|---|---|');
  out(`| ${storm.links} | ${storm.replicas} | ${storm.totalSeconds.toFixed(1)} | ${storm.providerRequests} | ${storm.duplicates} | ${storm.lateRefreshes} |`);
  out(`targets: 0 duplicates (${storm.duplicates === 0 ? 'met' : 'MISSED'}), no token refreshed after it expired (${storm.lateRefreshes === 0 ? 'met' : 'MISSED'})`);

  out(`\n## /metrics with per-link gauges: ${links} links on SQLite (computed at scrape time)`);
  const scrape = await benchMetricsScrape({ links });
  out(`| links | median scrape ms | slowest ms | median CPU ms | body KiB |\n|---|---|---|---|---|\n| ${scrape.links} | ${Math.round(scrape.medianMs)} | ${Math.round(scrape.maxMs)} | ${Math.round(scrape.medianCpuMs)} | ${Math.round(scrape.bytes / 1024)} |`);

  out('\n## admin page: 500 links in Chromium (local preview)');
  const ui = await benchAdminPage({ links: env('BENCH_UI_LINKS', 500) });
  if (ui === undefined) out('skipped: /usr/bin/chromium is not installed (apt-get install -y chromium)');
  else {
    out('| links | last row on screen ms | list render ms | input delay after ms |\n|---|---|---|---|');
    out(`| ${ui.links} | ${Math.round(ui.onScreenMs)} | ${ui.renderMs} | ${ui.inputDelayMs.toFixed(1)} |`);
    out(`targets: on screen within 15 s (${ui.onScreenMs < 15_000 ? 'met' : 'MISSED'}), input delay under 200 ms (${ui.inputDelayMs < 200 ? 'met' : 'MISSED'})`);
  }

  await benchScheduledChecks(out);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
