import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Store } from '../storage/store';

/**
 * Prometheus metrics. Each app has its own registry (several apps run in one test process); the
 * process-level default metrics are collected once per registry.
 */
export interface Metrics {
  registry: Registry;
}

export function registerMetrics(app: FastifyInstance, options: { store: Store; routeOf: (url: string | undefined) => string }): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'applinks_connector_' });

  const requests = new Counter({
    name: 'applinks_http_requests_total',
    help: 'HTTP requests answered, by route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'applinks_http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by route pattern.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'applinks_links',
    help: 'Links the connector holds.',
    registers: [registry],
    async collect() {
      this.set(await options.store.links.count());
    },
  });

  // Label children are looked up once per (method, route, status) and kept: resolving labels on
  // every request measured as a sixth of a token read's cost.
  const counters = new Map<string, ReturnType<typeof requests.labels>>();
  const timers = new Map<string, ReturnType<typeof duration.labels>>();
  app.addHook('onResponse', (request, reply, done) => {
    // The route pattern, not the URL, so that ids do not explode the label set.
    const route = request.routeOptions.url ?? options.routeOf(request.url);
    const timerKey = `${request.method} ${route}`;
    const counterKey = `${timerKey} ${reply.statusCode}`;
    let counter = counters.get(counterKey);
    if (counter === undefined) {
      counter = requests.labels(request.method, route, String(reply.statusCode));
      counters.set(counterKey, counter);
    }
    let timer = timers.get(timerKey);
    if (timer === undefined) {
      timer = duration.labels(request.method, route);
      timers.set(timerKey, timer);
    }
    counter.inc();
    timer.observe(reply.elapsedTime / 1000);
    done();
  });

  return { registry };
}
