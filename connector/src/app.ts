import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ConnectorConfig } from './config';
import { healthRoutes, registerMetricsRoute } from './health/routes';
import { createAuthenticate, operatorAuthenticator, type Authenticator, type PrincipalKind } from './http/auth';
import { registerErrorHandling } from './http/error-handler';
import { buildOpenApi } from './http/openapi';
import { registerRoute, type AnyRouteSpec } from './http/route';
import { linkRoutes } from './links/routes';
import { LinkService } from './links/service';
import { registerMetrics } from './observability/metrics';
import { UrlPolicy } from './outbound/url-policy';
import type { Store } from './storage/store';
import type { Vault } from './vault/vault';
import { CONNECTOR_VERSION } from './version';

export interface AppDeps {
  config: ConnectorConfig;
  store: Store;
  vault: Vault;
  logger: Logger;
  now?: () => Date;
  /** Extra authenticators (the Forge channel, consumers) added by later parts. */
  authenticators?: Partial<Record<PrincipalKind, Authenticator>>;
}

/** Bodies are small JSON documents; anything larger is a mistake or an attack. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * Builds the connector's HTTP app. It never listens: `server.ts` does that, and tests drive it
 * with `app.inject`. Every dependency comes in through `deps`.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const now = deps.now ?? (() => new Date());
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: () => randomUUID(),
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 200 },
  });
  // JSON only: a text/plain body is refused with 415 instead of reaching a handler as a string.
  app.removeContentTypeParser('text/plain');
  registerErrorHandling(app);

  const policy = new UrlPolicy(deps.config.allowedHosts);
  const links = new LinkService({ store: deps.store, vault: deps.vault, policy, now });
  const authenticate = createAuthenticate({ operator: operatorAuthenticator(deps.config.adminToken), ...deps.authenticators });

  const routes: AnyRouteSpec[] = [...healthRoutes({ store: deps.store }), ...linkRoutes({ links, store: deps.store, publicUrl: deps.config.publicUrl })];
  for (const route of routes) registerRoute(app, { authenticate }, route);

  const openapi = buildOpenApi(routes, { version: CONNECTOR_VERSION, serverUrl: deps.config.publicUrl });
  app.get('/openapi.json', async () => openapi);

  const metrics = registerMetrics(app, { store: deps.store, routeOf: () => 'unmatched' });
  registerMetricsRoute(app, metrics);
  return app;
}
