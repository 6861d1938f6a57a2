import { z } from 'zod';
import { CreateWebhookInputSchema, CreatedWebhookSchema, WEBHOOK_PATHS, WebhookDeliveryViewSchema, WebhookParamsSchema, WebhookViewSchema } from '../../../contract';
import { defineRoute, type AnyRouteSpec } from '../http/route';
import type { WebhookService } from './webhooks';

/** The operator's alert webhooks (README "Alerts"). */
export function webhookRoutes(deps: { webhooks: WebhookService }): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: WEBHOOK_PATHS.webhooks,
      summary: 'Register a webhook endpoint for link events; its signing secret (whsec_...) is shown once',
      tags: ['alerts'],
      auth: ['operator'],
      body: CreateWebhookInputSchema,
      response: { status: 201, schema: CreatedWebhookSchema, description: 'The endpoint and its signing secret, shown this once' },
      handler: async ({ body, reply }) => {
        void reply.header('cache-control', 'no-store');
        return deps.webhooks.register(body);
      },
    }),
    defineRoute({
      method: 'GET',
      url: WEBHOOK_PATHS.webhooks,
      summary: 'List webhook endpoints (never their secrets)',
      tags: ['alerts'],
      auth: ['operator'],
      response: { status: 200, schema: z.object({ items: z.array(WebhookViewSchema) }), description: 'Endpoints' },
      handler: async () => ({ items: await deps.webhooks.list() }),
    }),
    defineRoute({
      method: 'DELETE',
      url: WEBHOOK_PATHS.webhook,
      summary: 'Remove a webhook endpoint and its delivery log',
      tags: ['alerts'],
      auth: ['operator'],
      params: WebhookParamsSchema,
      response: { status: 204, schema: null, description: 'Removed' },
      handler: async ({ params }) => {
        await deps.webhooks.remove(params.id);
      },
    }),
    defineRoute({
      method: 'GET',
      url: WEBHOOK_PATHS.deliveries,
      summary: 'An endpoint\'s delivery log, newest first: status, attempts, last error code (never a body)',
      tags: ['alerts'],
      auth: ['operator'],
      params: WebhookParamsSchema,
      query: z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).optional() }),
      response: { status: 200, schema: z.object({ items: z.array(WebhookDeliveryViewSchema) }), description: 'Deliveries' },
      handler: async ({ params, query }) => ({ items: await deps.webhooks.deliveries(params.id, query.limit ?? 100) }),
    }),
  ];
}
