import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Store } from '../storage/store';
import { RequestMetrics, type RequestRecorder } from './request-metrics';

/**
 * Prometheus metrics. Each app has its own registry (several apps run in one test process); the
 * process-level default metrics are collected once per registry.
 */
export interface Metrics {
  registry: Registry;
  /** Counts a request that matched no route (the not-found handler calls it). */
  recordUnmatched(method: string, statusCode: number, seconds: number): void;
}

export function registerMetrics(app: FastifyInstance, options: { store: Store; routeOf: (url: string | undefined) => string; logger: Logger }): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'applinks_connector_' });

  const requests = new RequestMetrics(registry);
  new Gauge({
    name: 'applinks_links',
    help: 'Links the connector holds.',
    registers: [registry],
    async collect() {
      this.set(await options.store.links.count());
    },
  });

  // Each route gets its own onResponse hook with its recorder bound once, when it is registered:
  // a global hook that read request.routeOptions and resolved labels per request measured as a
  // sixth of a token read's cost.
  const observe = (method: string, route: string): RequestRecorder => requests.recorder(method, route);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const pattern = route.url ?? route.path;
    const recorders = new Map(methods.map((m) => [m, observe(m, pattern)]));
    const hook = (request: FastifyRequest, reply: FastifyReply, done: () => void): void => {
      const ms = reply.elapsedTime;
      recorders.get(request.method)?.(reply.statusCode, ms / 1000);
      // The request's line (Fastify's own are off): the route pattern, never the URL, whose query
      // may hold an authorization code. clientIp is the proxy's X-Forwarded-For only from a trusted proxy.
      if (options.logger.isLevelEnabled('info')) {
        request.log.info({ method: request.method, route: pattern, statusCode: reply.statusCode, ms: Math.round(ms * 10) / 10, clientIp: request.ip }, 'request completed');
      }
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
