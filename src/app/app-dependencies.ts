import type { AdminCheck } from '../permissions/jira-admin-check';
import type { ConnectorClient } from '../connector-client/connector-client';
import { ConnectorStatusService } from '../connector-client/connector-status';
import { ConnectionService } from '../connections/connection-service';
import { IncomingClients } from '../incoming/incoming-clients';
import { TokenService } from '../incoming/token-service';
import { IncomingCredentialService } from '../links/incoming-credentials';
import { LinkService } from '../links/link-service';
import type { Logger } from '../logger';
import { AuditLog } from '../storage/audit-log';
import type { KeyValueStore } from '../storage/key-value-store';
import { LinkRepository } from '../storage/link-repository';
import type { WebTriggerUrls } from '../webtriggers/web-trigger-urls';

/** Everything from outside that the app needs: Forge's services in production, substitutes in tests. */
export interface AppDependencies {
  store: KeyValueStore;
  connector: ConnectorClient;
  adminCheck: AdminCheck;
  webTriggers: WebTriggerUrls;
  now: () => Date;
  logger: Logger;
}

export interface AppServices {
  links: LinkService;
  incoming: IncomingCredentialService;
  connectorStatus: ConnectorStatusService;
  audit: AuditLog;
  clients: IncomingClients;
  tokens: TokenService;
  connections: ConnectionService;
}

export function buildServices(deps: AppDependencies): AppServices {
  const audit = new AuditLog(deps.store, deps.now);
  const repository = new LinkRepository(deps.store);
  const clients = new IncomingClients({ store: deps.store, links: repository, now: deps.now, logger: deps.logger });
  const links = new LinkService({
    links: repository,
    audit,
    connector: deps.connector,
    clients,
    webTriggers: deps.webTriggers,
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
  return {
    links,
    incoming,
    connectorStatus: new ConnectorStatusService({ connector: deps.connector, audit }),
    audit,
    clients,
    tokens: new TokenService({ store: deps.store, clients, now: deps.now, logger: deps.logger }),
    connections: new ConnectionService({ links: repository, connector: deps.connector, audit, logger: deps.logger }),
  };
}
