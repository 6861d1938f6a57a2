import type { AdminCheck } from '../permissions/jira-admin-check';
import type { ConnectorClient } from '../connector-client/connector-client';
import { ConnectorStatusService } from '../connector-client/connector-status';
import { IncomingClients } from '../incoming/incoming-clients';
import { TokenService } from '../incoming/token-service';
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
  connectorStatus: ConnectorStatusService;
  audit: AuditLog;
  clients: IncomingClients;
  tokens: TokenService;
}

export function buildServices(deps: AppDependencies): AppServices {
  const audit = new AuditLog(deps.store, deps.now);
  const clients = new IncomingClients(deps.store);
  const links = new LinkService({
    links: new LinkRepository(deps.store),
    audit,
    connector: deps.connector,
    clients,
    webTriggers: deps.webTriggers,
    now: deps.now,
    logger: deps.logger,
  });
  return {
    links,
    connectorStatus: new ConnectorStatusService({ connector: deps.connector, audit }),
    audit,
    clients,
    tokens: new TokenService({ store: deps.store, clients, now: deps.now, logger: deps.logger }),
  };
}
