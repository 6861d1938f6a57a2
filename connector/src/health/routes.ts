import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { defineRoute, type AnyRouteSpec } from '../http/route';
import { bearerToken, secretsEqual } from '../http/auth';
import { HttpError } from '../http/errors';
import type { Store } from '../storage/store';
import type { Metrics } from '../observability/metrics';

const READY_TIMEOUT_MS = 2_000;

export function healthRoutes(deps: { store: Store }): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/healthz',
      summary: 'Liveness: the process answers',
      tags: ['health'],
      auth: [],
      response: { status: 200, schema: z.object({ status: z.literal('ok') }), description: 'Alive' },
      handler: async () => ({ status: 'ok' as const }),
    }),
    defineRoute({
      method: 'GET',
      url: '/readyz',
      summary: 'Readiness: the database answers',
      tags: ['health'],
      auth: [],
      response: { status: 200, schema: z.object({ status: z.literal('ready'), store: z.enum(['sqlite', 'postgres']) }), description: 'Ready' },
      handler: async ({ request }) => {
        try {
          await withTimeout(deps.store.ping(), READY_TIMEOUT_MS);
        } catch (cause) {
          request.log.warn({ err: cause }, 'readiness check failed');
          throw new HttpError('NOT_READY', 'The database does not answer.', undefined, { cause });
        }
        return { status: 'ready' as const, store: deps.store.dialect };
      },
    }),
  ];
}

/**
 * `/metrics` answers Prometheus text, so it is registered outside the JSON route helper. With
 * `token` (CONNECTOR_METRICS_TOKEN) it answers only `Authorization: Bearer <token>`: the metrics
 * name links, hosts and failure codes, which are nobody else's business. The operator token is
 * not accepted there, so a Prometheus configuration never needs it.
 */
export function registerMetricsRoute(app: FastifyInstance, metrics: Metrics, options: { token?: string | undefined } = {}): void {
  const { token } = options;
  app.get('/metrics', async (request, reply) => {
    if (token !== undefined) {
      const bearer = bearerToken(request);
      if (bearer === undefined || !secretsEqual(bearer, token)) {
        void reply.header('www-authenticate', 'Bearer realm="metrics"');
        throw new HttpError('UNAUTHENTICATED', bearer === undefined ? 'Send the metrics token (CONNECTOR_METRICS_TOKEN) as a bearer token.' : 'The bearer token is not the metrics token.');
      }
    }
    const body = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(body);
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
