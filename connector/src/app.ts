import { randomUUID } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createAlerts, type Alerts, type AlertsOptions } from './alerts';
import { webhookRoutes } from './alerts/routes';
import { redirectUriOf, type ConnectorConfig } from './config';
import { healthRoutes, registerMetricsRoute } from './health/routes';
import { createAuthenticate, operatorAuthenticator, type Authenticator, type PrincipalKind } from './http/auth';
import { registerErrorHandling } from './http/error-handler';
import { buildOpenApi } from './http/openapi';
import { registerRoute, type AnyRouteSpec } from './http/route';
import { consumerAuthenticator, consumerRoutes } from './consumers/routes';
import { ConsumerService } from './consumers/service';
import { createCredentialMetrics } from './credentials/metrics';
import { credentialRoutes, registerCallbackRoute, userConnectionRoutes } from './credentials/routes';
import { CredentialService } from './credentials/service';
import { remoteIdentityReader } from './credentials/remote-identity';
import { createDiscoveryMetrics } from './discovery/metrics';
import { discoveryRoutes } from './discovery/routes';
import { ConnectionTester, type TestTimeouts } from './discovery/test-connection';
import type { ProbeTimeouts } from './discovery/probe';
import { linkRoutes } from './links/routes';
import { buildMonitoring, type MonitoringDeps, type Monitoring } from './monitoring/wiring';
import { monitoringRoutes } from './monitoring/routes';
import { bindLegacySecrets } from './links/secret-binding';
import { LinkService } from './links/service';
import { registerMetrics } from './observability/metrics';
import { lazyChildLogger } from './observability/request-logger';
import { createGuardedAgents } from './outbound/guarded-agents';
import { SafeHttp, type ResolveAll } from './outbound/safe-http';
import { fastifyTrustProxy } from './trust-proxy';
import { interfaceAddresses, type LocalAddresses } from './outbound/address';
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
  /** Routes added by later parts (the Forge channel), registered with the built-in ones. */
  extraRoutes?: AnyRouteSpec[];
  /** Token refresh tuning for tests and benchmarks (provider timeout, refresh policy, clock). */
  credentials?: Pick<ConstructorParameters<typeof CredentialService>[0], 'providerTimeoutMs' | 'refreshPolicy' | 'now' | 'random'>;
  /** Probe and test-connection tuning for tests: name resolution, extra trusted CAs, time limits. */
  discovery?: { resolve?: ResolveAll; ca?: string[]; testTimeouts?: Partial<TestTimeouts>; probeTimeouts?: ProbeTimeouts };
  /** The connector host's own addresses, refused like loopback. Default: `os.networkInterfaces()`, read per check. */
  localAddresses?: LocalAddresses;
  /** Forecast and alert tuning (webhook retry schedule, poll intervals, outbound client) for tests. */
  alerts?: AlertsOptions;
  /** Scheduled checks: event sink, forecast source, check observers, scheduler tuning (all optional). */
  monitoring?: MonitoringDeps;
}

/** The services behind the routes, for the server (scheduler) and for tests. */
export interface ConnectorServices {
  links: LinkService;
  credentials: CredentialService;
  consumers: ConsumerService;
  alerts: Alerts;
  /** Scheduled checks (the server starts them). */
  monitoring: Monitoring;
}

declare module 'fastify' {
  interface FastifyInstance {
    connector: ConnectorServices;
  }
}

/** Request ids: a random prefix per process and a counter. */
export function requestIds(): () => string {
  const prefix = randomUUID().slice(0, 8);
  let next = 0;
  return () => `${prefix}-${(next++).toString(36)}`;
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
    // Unique within the process, and across processes by the random prefix: ids correlate log
    // lines, they guard nothing. A UUID per request measured as a twentieth of a token read.
    genReqId: requestIds(),
    // The completion line is written by the per-route metrics hook (route pattern, never the URL),
    // and only when info is on: Fastify's own two lines per request cost a token read a twentieth.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: (logger, bindings, options) => lazyChildLogger(logger, bindings, options as Record<string, unknown>),
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
    // Whose X-Forwarded-For sets request.ip (CONNECTOR_TRUST_PROXY): nobody's unless configured.
    trustProxy: fastifyTrustProxy(deps.config.trustProxy),
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 200 },
  });
  // JSON only: a text/plain body is refused with 415 instead of reaching a handler as a string.
  app.removeContentTypeParser('text/plain');
  const metrics = registerMetrics(app, { store: deps.store, routeOf: () => 'unmatched', logger: deps.logger });
  registerErrorHandling(app, { onNotFound: metrics.recordUnmatched });

  // Client secrets stored before they were bound to their token endpoint's origin get bound once.
  await bindLegacySecrets({ store: deps.store, vault: deps.vault });
  const policy = new UrlPolicy(deps.config.allowedHosts, { localAddresses: deps.localAddresses ?? (() => interfaceAddresses(networkInterfaces())) });
  const outbound = new SafeHttp({ policy, resolve: deps.discovery?.resolve, ca: deps.discovery?.ca });
  const credentials = new CredentialService({
    store: deps.store,
    vault: deps.vault,
    policy,
    redirectUri: redirectUriOf(deps.config),
    logger: deps.logger,
    metrics: createCredentialMetrics(metrics.registry, deps.store),
    agents: createGuardedAgents(policy, deps.discovery?.resolve),
    identify: remoteIdentityReader({ http: outbound, logger: deps.logger }),
    ...deps.credentials,
    onNeedsReauthorization: (linkId, reason) => monitoring.needsReauthorization(linkId, reason),
  });
  const links = new LinkService({ store: deps.store, vault: deps.vault, policy, now, revocation: credentials });
  const alerts = createAlerts({ store: deps.store, vault: deps.vault, http: outbound, logger: deps.logger, now, registry: metrics.registry, options: deps.alerts });
  // Scheduled checks publish their transitions to the alerts' sink, show the alerts' forecasts, and
  // tell the alerts' observer every result (it reads the certificate's expiry); tests may replace each.
  const monitoringDeps: MonitoringDeps = { sink: alerts.sink, forecasts: alerts.forecasts, ...deps.monitoring, observers: [alerts.observer, ...(deps.monitoring?.observers ?? [])] };
  const monitoring: Monitoring = buildMonitoring({ store: deps.store, logger: deps.logger, now, ...monitoringDeps });
  const tester = new ConnectionTester({
    http: outbound,
    store: deps.store,
    credentials,
    publicUrl: deps.config.publicUrl,
    now,
    counter: createDiscoveryMetrics(metrics.registry).tests,
    timeouts: deps.discovery?.testTimeouts,
    ...monitoring.testerHooks,
  });
  monitoring.attach(tester);
  const consumers = new ConsumerService({ store: deps.store, now: deps.now === undefined ? Date.now : () => now().getTime() });
  app.decorate('connector', { links, credentials, consumers, alerts, monitoring });
  app.addHook('onClose', async () => credentials.close());
  app.addHook('preClose', async () => alerts.stop());
  const authenticate = createAuthenticate({
    operator: operatorAuthenticator(deps.config.adminToken),
    consumer: consumerAuthenticator(consumers),
    ...deps.authenticators,
  });

  // Whether a token has expired is judged on the credential layer's clock (tests move it).
  const credentialsNow = deps.credentials?.now;
  const tokenNow = credentialsNow === undefined ? now : () => new Date(credentialsNow());
  const routes: AnyRouteSpec[] = [
    ...healthRoutes({ store: deps.store }),
    ...linkRoutes({ links, store: deps.store, publicUrl: deps.config.publicUrl, now: tokenNow, forecasts: monitoringDeps.forecasts }),
    ...credentialRoutes({ credentials }),
    ...userConnectionRoutes({ users: credentials.users }),
    ...consumerRoutes({ consumers }),
    ...webhookRoutes({ webhooks: alerts.webhooks }),
    ...monitoringRoutes({ links, store: deps.store, forecasts: monitoringDeps.forecasts, now }),
    ...discoveryRoutes({ http: outbound, links, tester, store: deps.store, publicUrl: deps.config.publicUrl, now: tokenNow, probeTimeouts: deps.discovery?.probeTimeouts }),
    ...(deps.extraRoutes ?? []),
  ];
  for (const route of routes) registerRoute(app, { authenticate }, route);
  registerCallbackRoute(app, credentials);

  const openapi = buildOpenApi(routes, { version: CONNECTOR_VERSION, serverUrl: deps.config.publicUrl });
  app.get('/openapi.json', async () => openapi);

  registerMetricsRoute(app, metrics, { token: deps.config.metricsToken });
  return app;
}
