import { z } from 'zod';
import {
  CONNECTOR_PATHS,
  CredentialSummariesInputSchema,
  CredentialSummariesSchema,
  INCLUDE_HEALTH_HEADER,
  CreateLinkInputSchema,
  LinkListSchema,
  LinkViewSchema,
  ListLinksQuerySchema,
  UpdateLinkInputSchema, LinkParamsSchema, DeleteLinkAnswerSchema, PREFER_REPORT } from '../../../contract';
import { defineRoute, type AnyRouteSpec } from '../http/route';
import { StoreError, type LinkRecord, type Store } from '../storage/store';
import { HttpError } from '../http/errors';
import type { LinkService } from './service';
import { credentialSummary } from './credential-summary';
import { toLinkViews } from './view';
import { healthSummaries } from '../monitoring/health-view';
import type { ForecastSource } from '../monitoring/seams';


export function linkRoutes(deps: { links: LinkService; store: Store; publicUrl: string; now: () => Date; forecasts?: ForecastSource | undefined }): AnyRouteSpec[] {
  const view = async (record: LinkRecord) => (await toLinkViews([record], deps))[0]!;
  return [
    defineRoute({
      method: 'POST',
      url: CONNECTOR_PATHS.links,
      summary: 'Create a link (the client secret is write-only)',
      tags: ['links'],
      auth: ['operator', 'forge'],
      body: CreateLinkInputSchema,
      response: { status: 201, schema: LinkViewSchema, description: 'The link as stored' },
      handler: async ({ body }) => view(await deps.links.create(body)),
    }),
    defineRoute({
      method: 'GET',
      url: CONNECTOR_PATHS.links,
      summary: 'List links, oldest first, a page at a time',
      tags: ['links'],
      auth: ['operator', 'forge'],
      query: ListLinksQuerySchema,
      response: { status: 200, schema: LinkListSchema, description: 'A page of links' },
      handler: async ({ query }) => {
        try {
          const page = await deps.store.links.list({ limit: query.limit, cursor: query.cursor });
          return { items: await toLinkViews(page.items, deps), nextCursor: page.nextCursor };
        } catch (error) {
          if (error instanceof StoreError && error.code === 'BAD_CURSOR') {
            throw new HttpError('VALIDATION_FAILED', 'The cursor is not one this endpoint gave out.', [{ path: 'cursor', message: 'is not valid' }]);
          }
          throw error;
        }
      },
    }),
    defineRoute({
      method: 'POST',
      url: CONNECTOR_PATHS.credentialSummaries,
      summary: "The credentials' state and expiry of up to 500 links (for a links list); unknown ids are left out",
      tags: ['links'],
      auth: ['operator', 'forge'],
      body: CredentialSummariesInputSchema,
      response: { status: 200, schema: CredentialSummariesSchema, description: 'One summary per link the connector holds' },
      handler: async ({ body, request }) => {
        const ids = [...new Set(body.ids)];
        const [tallies, existing] = await Promise.all([deps.store.tokens.tally(ids), deps.store.links.exist(ids)]);
        const now = deps.now();
        const known = ids.filter((id) => existing.has(id));
        // Asked for by the Forge list, whose one call per page then carries the health badges too.
        const health = request.headers[INCLUDE_HEALTH_HEADER] === '1' ? await healthSummaries(deps, known) : undefined;
        return { items: known.map((id) => ({ id, credential: credentialSummary(tallies.get(id), now), ...(health === undefined ? {} : { health: health.get(id)! }) })) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: CONNECTOR_PATHS.link,
      summary: 'Read one link',
      tags: ['links'],
      auth: ['operator', 'forge'],
      params: LinkParamsSchema,
      response: { status: 200, schema: LinkViewSchema, description: 'The link' },
      handler: async ({ params }) => view(await deps.links.get(params.id)),
    }),
    defineRoute({
      method: 'PATCH',
      url: CONNECTOR_PATHS.link,
      summary: 'Change a link; `outgoing.clientSecret: null` removes the secret',
      tags: ['links'],
      auth: ['operator', 'forge'],
      params: LinkParamsSchema,
      body: UpdateLinkInputSchema,
      response: { status: 200, schema: LinkViewSchema, description: 'The link after the change' },
      handler: async ({ params, body }) => {
        const updated = await deps.links.update(params.id, body);
        // A new check interval counts from now, not from the check the old one scheduled.
        if (body.checkIntervalMinutes != null) await deps.store.health.reschedule(params.id, deps.now().toISOString());
        return view(updated);
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: CONNECTOR_PATHS.link,
      summary: 'Delete a link and every secret it holds; its tokens are revoked at the remote (RFC 7009). With `Prefer: return=representation`, 200 and what was revoked',
      tags: ['links'],
      auth: ['operator', 'forge'],
      params: LinkParamsSchema,
      response: { status: 204, schema: null, description: 'Deleted' },
      handler: async ({ params, request, reply }) => {
        const revocation = await deps.links.delete(params.id);
        // RFC 7240: the caller asks for the outcome; 204 stays the answer for everyone else.
        if ([request.headers.prefer ?? []].flat().some((value) => value.split(/\s*[,;]\s*/).includes(PREFER_REPORT))) {
          await reply.code(200).header('preference-applied', PREFER_REPORT).send(DeleteLinkAnswerSchema.parse({ deleted: true, revocation }));
        }
      },
    }),
  ];
}
