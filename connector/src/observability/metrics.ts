import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Store } from '../storage/store';

/**
 * Prometheus metrics. Each app has its own registry (several apps run in one test process); the
 * process-level default metrics are collected once per registry.
 */
export interface Metrics {
  registry: Registry;
  /** Counts a request that matched no route (the not-found handler calls it). */
  recordUnmatched(method: string, statusCode: number, seconds: number): void;
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

  // Each route gets its own onResponse hook with its pattern and label children bound once, when it
  // is registered: a global hook that read request.routeOptions and resolved labels per request
  // measured as a sixth of a token read's cost.
  const observe = (method: string, route: string) => {
    const timer = duration.labels(method, route);
    const byStatus = new Map<number, ReturnType<typeof requests.labels>>();
    return (statusCode: number, seconds: number): void => {
      let counter = byStatus.get(statusCode);
      if (counter === undefined) {
        counter = requests.labels(method, route, String(statusCode));
        byStatus.set(statusCode, counter);
      }
      counter.inc();
      timer.observe(seconds);
    };
  };
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const recorders = new Map(methods.map((m) => [m, observe(m, route.url ?? route.path)]));
    const hook = (request: FastifyRequest, reply: FastifyReply, done: () => void): void => {
      recorders.get(request.method)?.(reply.statusCode, reply.elapsedTime / 1000);
      done();
    };
    route.onResponse = route.onResponse === undefined ? [hook] : [...(Array.isArray(route.onResponse) ? route.onResponse : [route.onResponse]), hook];
  });
  const unmatched = new Map<string, ReturnType<typeof observe>>();
  const recordUnmatched = (method: string, statusCode: number, seconds: number): void => {
    let recorder = unmatched.get(method);
    if (recorder === undefined) {
      recorder = observe(method, options.routeOf(undefined));
      unmatched.set(method, recorder);
    }
    recorder(statusCode, seconds);
  };

  return { registry, recordUnmatched };

}
