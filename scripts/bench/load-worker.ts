/**
 * Runs autocannon in its own process so that the load generator does not share the event loop
 * of the server it measures. Receives its job over IPC, answers with the figures.
 */
import autocannon from 'autocannon';

interface Job {
  url: string;
  connections: number;
  durationSeconds: number;
  headers: Record<string, string>;
  /** Paths to cycle through (each connection walks the list), instead of the URL's path alone. */
  paths?: string[];
}

process.once('message', (job: Job) => {
  autocannon(
    {
      url: job.url,
      connections: job.connections,
      duration: job.durationSeconds,
      headers: job.headers,
      pipelining: 1,
      ...(job.paths === undefined ? {} : { requests: job.paths.map((path) => ({ method: 'GET' as const, path })) }),
    },
    (error, result) => {
      if (error) {
        process.send?.({ error: String(error) });
        return;
      }
      process.send?.({
        requestsPerSecond: result.requests.average,
        p50: result.latency.p50,
        p99: result.latency.p99,
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        total: result.requests.total,
      });
    },
  );
});
