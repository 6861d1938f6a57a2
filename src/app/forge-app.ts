import { createPingApi } from '../incoming/ping-api';
import { createTokenEndpoint } from '../incoming/token-endpoint';
import { buildResolver, type ResolverHandler } from '../resolvers';
import type { WebTriggerHandler } from '../webtriggers/web-trigger';
import { buildServices, type AppDependencies, type AppServices } from './app-dependencies';

/**
 * The Forge app's handlers, by the names manifest.yml gives them (`handler: index.<name>`), and the
 * web triggers by their manifest keys.
 */
export interface ForgeApp {
  /** The admin page's resolvers (`jira:adminPage` resolver function). */
  resolver: ResolverHandler;
  /** Web trigger `oauth-token`: the cloud side's OAuth 2.0 token endpoint. */
  tokenEndpoint: WebTriggerHandler;
  /** Web trigger `oauth-ping`: answers 200 to a valid access token only. */
  pingApi: WebTriggerHandler;
  /** The `avi:forge:upgraded:app` trigger: sweeps incoming clients kept the old way (once per installation). */
  upgraded: () => Promise<void>;
  /** The same handlers by web trigger key, for hosts that route by key (the local preview). */
  webTriggers: Readonly<Record<'oauth-token' | 'oauth-ping', WebTriggerHandler>>;
  services: AppServices;
}

/**
 * Wires the whole app once from its dependencies: Forge's services in production (`src/index.ts`),
 * the preview's file store and local connector (`preview/server.ts`), and test doubles.
 */
export function buildForgeApp(deps: AppDependencies): ForgeApp {
  const services = buildServices(deps);
  const tokenEndpoint = createTokenEndpoint({ clients: services.clients, tokens: services.tokens, logger: deps.logger });
  const pingApi = createPingApi({ tokens: services.tokens, logger: deps.logger });
  return {
    resolver: buildResolver({ adminCheck: deps.adminCheck, connector: deps.connector, logger: deps.logger }, services),
    tokenEndpoint,
    pingApi,
    upgraded: () => services.clients.ready(),
    webTriggers: { 'oauth-token': tokenEndpoint, 'oauth-ping': pingApi },
    services,
  };
}
