import { createAuthorizeEndpoint } from '../incoming/authorize-endpoint';
import { createJiraGateway } from '../incoming/jira-gateway';
import { createMetadataEndpoint } from '../incoming/metadata-endpoint';
import { createPingApi } from '../incoming/ping-api';
import { createRevocationEndpoint } from '../incoming/revocation-endpoint';
import { createTokenEndpoint } from '../incoming/token-endpoint';
import { buildResolver, type ResolverHandler } from '../resolvers';
import type { WebTriggerHandler } from '../webtriggers/web-trigger';
import { buildServices, type AppDependencies, type AppServices } from './app-dependencies';

/** The web trigger keys of manifest.yml this app serves. */
export type WebTriggerKey = 'oauth-token' | 'oauth-ping' | 'oauth-authorize' | 'oauth-revoke' | 'oauth-metadata' | 'jira-gateway';

/**
 * The Forge app's handlers, by the names manifest.yml gives them (`handler: index.<name>`), and the
 * web triggers by their manifest keys.
 */
export interface ForgeApp {
  /** The resolver function of the admin page and the consent page. */
  resolver: ResolverHandler;
  /** Web trigger `oauth-token`: the cloud side's OAuth 2.0 token endpoint. */
  tokenEndpoint: WebTriggerHandler;
  /** Web trigger `oauth-ping`: answers 200 to a valid access token only. */
  pingApi: WebTriggerHandler;
  /** Web trigger `oauth-authorize`: the authorization endpoint (code grant with PKCE). */
  authorizeEndpoint: WebTriggerHandler;
  /** Web trigger `oauth-revoke`: token revocation (RFC 7009). */
  revocationEndpoint: WebTriggerHandler;
  /** Web trigger `oauth-metadata`: the authorization server metadata (RFC 8414 fields). */
  metadataEndpoint: WebTriggerHandler;
  /** Web trigger `jira-gateway`: Jira Cloud's REST APIs for the remote, governed by its token's scopes. */
  jiraGateway: WebTriggerHandler;
  /** The `avi:forge:upgraded:app` trigger: sweeps incoming clients kept the old way (once per installation). */
  upgraded: () => Promise<void>;
  /** The same handlers by web trigger key, for hosts that route by key (the local preview). */
  webTriggers: Readonly<Record<WebTriggerKey, WebTriggerHandler>>;
  services: AppServices;
}

/**
 * Wires the whole app once from its dependencies: Forge's services in production (`src/index.ts`),
 * the preview's file store and local connector (`preview/server.ts`), and test doubles.
 */
export function buildForgeApp(deps: AppDependencies): ForgeApp {
  const services = buildServices(deps);
  const { clients, tokens, grants } = services;
  const tokenEndpoint = createTokenEndpoint({
    clients,
    tokens,
    grants,
    logger: deps.logger,
    onIssued: (client, grant) => services.activity.tokenIssued(client.linkId, { grant, generation: client.generation }),
  });
  const jiraGateway = createJiraGateway({ tokens, jira: deps.jira, rateLimit: services.gatewayRateLimit, activity: services.activity, logger: deps.logger });
  const pingApi = createPingApi({ tokens, logger: deps.logger });
  const authorizeEndpoint = createAuthorizeEndpoint({ clients, links: services.repository, tokens, grants, consentPage: deps.consentPage, logger: deps.logger });
  const revocationEndpoint = createRevocationEndpoint({ clients, tokens, logger: deps.logger });
  const metadataEndpoint = createMetadataEndpoint({ urls: deps.webTriggers, logger: deps.logger });
  return {
    resolver: buildResolver({ adminCheck: deps.adminCheck, connector: deps.connector, logger: deps.logger, consentPage: deps.consentPage }, services),
    tokenEndpoint,
    pingApi,
    authorizeEndpoint,
    revocationEndpoint,
    metadataEndpoint,
    jiraGateway,
    upgraded: () => services.clients.ready(),
    webTriggers: { 'oauth-token': tokenEndpoint, 'oauth-ping': pingApi, 'oauth-authorize': authorizeEndpoint, 'oauth-revoke': revocationEndpoint, 'oauth-metadata': metadataEndpoint, 'jira-gateway': jiraGateway },
    services,
  };
}
