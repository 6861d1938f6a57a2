import { CONNECTOR_PATHS, LinkIdSchema, storableText } from '../../../contract';
import { z } from 'zod';
import { defineRoute, type AnyRouteSpec } from '../http/route';
import type { Authenticator } from '../http/auth';
import { ConsumerService } from './service';

const ConsumerViewSchema = z.object({ id: z.string(), name: z.string(), linkIds: z.array(z.string()), createdAt: z.string() });
export const CreateConsumerInputSchema = z.strictObject({
  name: storableText(z.string().trim().min(1).max(200)),
  linkIds: z.array(LinkIdSchema).min(1).max(10_000),
});

export function consumerRoutes(deps: { consumers: ConsumerService }): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: CONNECTOR_PATHS.consumers,
      summary: 'Create a consumer: an API key (shown once) that reads tokens of the named links',
      tags: ['consumers'],
      auth: ['operator'],
      body: CreateConsumerInputSchema,
      response: { status: 201, schema: ConsumerViewSchema.extend({ apiKey: z.string() }), description: 'The consumer and its API key, shown this once' },
      handler: async ({ body, reply }) => {
        void reply.header('cache-control', 'no-store');
        const { consumer, apiKey } = await deps.consumers.create(body);
        return { ...consumer, apiKey };
      },
    }),
    defineRoute({
      method: 'GET',
      url: CONNECTOR_PATHS.consumers,
      summary: 'List consumers (never their keys)',
      tags: ['consumers'],
      auth: ['operator'],
      response: { status: 200, schema: z.object({ items: z.array(ConsumerViewSchema) }), description: 'Consumers' },
      handler: async () => ({ items: await deps.consumers.list() }),
    }),
    defineRoute({
      method: 'DELETE',
      url: CONNECTOR_PATHS.consumer,
      summary: 'Delete a consumer; its API key stops working',
      tags: ['consumers'],
      auth: ['operator'],
      params: z.strictObject({ id: z.string().uuid() }),
      response: { status: 204, schema: null, description: 'Deleted' },
      handler: async ({ params }) => {
        await deps.consumers.delete(params.id);
      },
    }),
  ];
}

export function consumerAuthenticator(consumers: ConsumerService): Authenticator {
  return async (_request, bearer) => {
    if (!ConsumerService.looksLikeApiKey(bearer)) return undefined;
    const record = await consumers.authenticate(bearer);
    return record === undefined ? undefined : { kind: 'consumer', id: record.id, linkIds: record.linkIds };
  };
}
