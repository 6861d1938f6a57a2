import type { ConnectorStatusView } from '../../contract';
import type { Actor } from '../links/link-service';
import type { AuditLog } from '../storage/audit-log';
import { ConnectorError, type ConnectorClient } from './connector-client';

/**
 * The connector as a whole: whether Forge reaches it and whether it is paired with this site.
 * Pairing binds the connector to this installation with the one-time code its operator printed
 * (`applinks-connector pair`); the code is passed through and never kept or logged.
 */
export class ConnectorStatusService {
  constructor(private readonly deps: { connector: ConnectorClient; audit: AuditLog }) {}

  async status(): Promise<ConnectorStatusView> {
    try {
      const status = await this.deps.connector.status();
      return { reachable: true, ...pick(status), problem: null };
    } catch (error) {
      if (!(error instanceof ConnectorError)) throw error;
      return {
        reachable: error.code !== 'CONNECTOR_UNREACHABLE',
        paired: false,
        installationId: null,
        pairedAt: null,
        connectorVersion: null,
        problem: { code: error.code, message: error.message },
      };
    }
  }

  async pair(code: string, actor: Actor): Promise<ConnectorStatusView> {
    const status = await this.deps.connector.pair(code);
    await this.deps.audit.record({
      actorAccountId: actor,
      action: 'connector.paired',
      linkId: null,
      linkName: null,
      changes: [{ field: 'connector.installationId', from: null, to: status.installationId }],
    });
    return { reachable: true, ...pick(status), problem: null };
  }
}

function pick(status: { paired: boolean; installationId: string | null; pairedAt: string | null; connectorVersion: string }) {
  return { paired: status.paired, installationId: status.installationId, pairedAt: status.pairedAt, connectorVersion: status.connectorVersion };
}
