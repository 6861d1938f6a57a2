/**
 * The Forge app's handlers, named in manifest.yml (`handler: index.<name>`). Nothing else lives here.
 */
import { buildServices } from './app/app-dependencies';
import { forgeDependencies } from './app/forge-dependencies';
import { createPingApi } from './incoming/ping-api';
import { createTokenEndpoint } from './incoming/token-endpoint';
import { buildResolver } from './resolvers';

const dependencies = forgeDependencies();
const services = buildServices(dependencies);

/** The admin page's resolvers (`jira:adminPage` resolver function). */
export const resolver = buildResolver(dependencies);

/** Web trigger `oauth-token`: the cloud side's OAuth 2.0 token endpoint. */
export const tokenEndpoint = createTokenEndpoint({ clients: services.clients, tokens: services.tokens, logger: dependencies.logger });

/** Web trigger `oauth-ping`: answers 200 to a valid access token only. */
export const pingApi = createPingApi({ tokens: services.tokens, logger: dependencies.logger });
