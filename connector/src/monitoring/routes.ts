import {
  CONNECTOR_PATHS,
  HealthSummariesInputSchema,
  HealthSummariesSchema,
  LinkHealthSchema,
  LinkParamsSchema,
  TransitionListSchema,
  TransitionsQuerySchema,
} from '../../../contract';
import { defineRoute, type AnyRouteSpec } from '../http/route';
import type { LinkService } from '../links/service';
import type { Store } from '../storage/store';
import { healthSummaries, linkHealth, type HealthViewDeps } from './health-view';

export function monitoringRoutes(deps: HealthViewDeps & { links: LinkService; store: Store }): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: CONNECTOR_PATHS.health,
      summary: "A link's health: 30 days of scheduled checks (failures and transitions whole, successes per hour), uptime, stage latency, forecasts",
      tags: ['monitoring'],
      auth: ['operator', 'forge'],
      params: LinkParamsSchema,
      response: { status: 200, schema: LinkHealthSchema, description: 'The health view' },
      handler: async ({ params }) => linkHealth(deps, await deps.links.get(params.id)),
    }),
    defineRoute({
      method: 'POST',
      url: CONNECTOR_PATHS.healthSummaries,
      summary: 'The health badge (state, 24-hour uptime, soonest expiry) of up to 500 links; unknown ids are left out',
      tags: ['monitoring'],
      auth: ['operator', 'forge'],
      body: HealthSummariesInputSchema,
      response: { status: 200, schema: HealthSummariesSchema, description: 'One badge per link the connector holds' },
      handler: async ({ body }) => {
        const existing = await deps.store.links.exist([...new Set(body.ids)]);
        const ids = [...existing];
        const summaries = await healthSummaries(deps, ids);
        return { items: ids.map((id) => ({ id, health: summaries.get(id)! })) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: CONNECTOR_PATHS.transitions,
      summary: 'Status transitions of every link recorded at or after `since`, oldest first (the Forge audit log pulls them)',
      tags: ['monitoring'],
      auth: ['operator', 'forge'],
      query: TransitionsQuerySchema,
      response: { status: 200, schema: TransitionListSchema, description: 'Transitions, oldest first' },
      handler: async ({ query }) => ({ items: await deps.store.health.transitionsSince(new Date(query.since ?? 0).toISOString(), query.limit) }),
    }),
  ];
}
