import type { AdminCheck } from '../permissions/jira-admin-check';
import type { ConnectorClient } from '../connector-client/connector-client';
import { ConnectorStatusService } from '../connector-client/connector-status';
import { AuthorizationGrants } from '../incoming/authorization-grants';
import type { ConsentPage } from '../incoming/authorize-endpoint';
import { ConsentService } from '../incoming/consent-service';
import { GatewayRateLimit } from '../incoming/gateway-rate-limit';
import { IncomingActivityLog } from '../incoming/incoming-activity';
import { ConnectionService } from '../connections/connection-service';
import { IncomingClients } from '../incoming/incoming-clients';
import type { JiraRequester } from '../incoming/jira-gateway';
import { TokenService } from '../incoming/token-service';
import { IncomingCredentialService } from '../links/incoming-credentials';
import { LinkHealthService } from '../links/link-health';
import { LinkService } from '../links/link-service';
import type { Logger } from '../logger';
import { AuditLog } from '../storage/audit-log';
import type { KeyValueStore } from '../storage/key-value-store';
import { LinkRepository } from '../storage/link-repository';
import { AuditReader } from '../users/audit-reader';
import type { UserDirectory } from '../users/user-directory';
import type { WebTriggerUrls } from '../webtriggers/web-trigger-urls';

/** Everything from outside that the app needs: Forge's services in production, substitutes in tests. */
export interface AppDependencies {
  store: KeyValueStore;
  connector: ConnectorClient;
  adminCheck: AdminCheck;
  webTriggers: WebTriggerUrls;
  /** Where a signed-in account approves a remote's authorization request (the consent surface). */
  consentPage: ConsentPage;
  /** Jira Cloud's REST API as the app (`asApp().requestJira`), for the gateway. */
  jira: JiraRequester;
  now: () => Date;
  logger: Logger;
  /** Display names of the audit log's actors (Jira's user API); absent, the page shows account IDs. */
  users?: UserDirectory;
}

export interface AppServices {
  links: LinkService;
  incoming: IncomingCredentialService;
  connectorStatus: ConnectorStatusService;
  audit: AuditLog;
  auditReader: AuditReader;
  clients: IncomingClients;
  tokens: TokenService;
  repository: LinkRepository;
  grants: AuthorizationGrants;
  consent: ConsentService;
  activity: IncomingActivityLog;
  gatewayRateLimit: GatewayRateLimit;
  health: LinkHealthService;
  connections: ConnectionService;
}

export function buildServices(deps: AppDependencies): AppServices {
  const audit = new AuditLog(deps.store, deps.now);
  const repository = new LinkRepository(deps.store);
  const clients = new IncomingClients({ store: deps.store, links: repository, now: deps.now, logger: deps.logger });
  const activity = new IncomingActivityLog({ store: deps.store, now: deps.now, logger: deps.logger });
  const links = new LinkService({
    links: repository,
    audit,
    connector: deps.connector,
    clients,
    webTriggers: deps.webTriggers,
    activity,
    now: deps.now,
    logger: deps.logger,
  });
  const incoming = new IncomingCredentialService({
    links: repository,
    clients,
    audit,
    now: deps.now,
    view: (record) => links.viewOf(record),
    urls: () => links.urls(),
  });
  const grants = new AuthorizationGrants({ store: deps.store, now: deps.now });
  return {
    repository,
    grants,
    activity,
    gatewayRateLimit: new GatewayRateLimit({ store: deps.store, now: deps.now }),
    consent: new ConsentService({ grants, clients, links: repository, logger: deps.logger }),
    links,
    incoming,
    connectorStatus: new ConnectorStatusService({ connector: deps.connector, audit }),
    audit,
    auditReader: new AuditReader(audit, deps.users),
    clients,
    tokens: new TokenService({ store: deps.store, clients, now: deps.now, logger: deps.logger }),
    health: new LinkHealthService({ store: deps.store, connector: deps.connector, audit, logger: deps.logger }),
    connections: new ConnectionService({ links: repository, connector: deps.connector, audit, logger: deps.logger }),
  };
}
