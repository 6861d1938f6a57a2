import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { defineRoute, type AnyRouteSpec } from '../http/route';
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

/** `/metrics` answers Prometheus text, so it is registered outside the JSON route helper. */
export function registerMetricsRoute(app: FastifyInstance, metrics: Metrics): void {
  app.get('/metrics', async (_request, reply) => {
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
