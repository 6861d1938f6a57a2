import type { AuthorizeLinkResult, DisconnectResult, LinkSummary, LinkUserPage, MyLinkConnections } from '../../contract';
import type { ConnectorClient } from '../connector-client/connector-client';
import { AppError } from '../errors';
import type { Logger } from '../logger';
import type { AuditLog } from '../storage/audit-log';
import type { LinkRepository } from '../storage/link-repository';

export interface ConnectionServiceDeps {
  links: LinkRepository;
  connector: ConnectorClient;
  audit: AuditLog;
  logger: Logger;
}

/** Links are listed 100 at a time (the entity store's largest page) to find the impersonating ones. */
const PAGE = 100;

/**
 * Per-user connections as the Forge app handles them. The users' methods take no account id:
 * the connector reads the caller from the invocation token Forge signs for this invocation, so
 * nothing a user sends can name someone else. The admin methods name a user and are reached only
 * through resolvers that checked Jira admin first; disconnecting is audited.
 */
export class ConnectionService {
  constructor(private readonly deps: ConnectionServiceDeps) {}

  /** Every impersonating link of this site, with the caller's connection to each. */
  async mine(): Promise<MyLinkConnections> {
    const links = await this.impersonatingLinks();
    if (links.length === 0) return { items: [], connectorReachable: true };
    const byLink = new Map<string, Awaited<ReturnType<ConnectorClient['myConnections']>>[number]>();
    let connectorReachable = true;
    try {
      for (let i = 0; i < links.length; i += 500) {
        for (const connection of await this.deps.connector.myConnections(links.slice(i, i + 500).map((link) => link.id))) byLink.set(connection.linkId, connection);
      }
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      this.deps.logger.warn('Could not read the user connections from the connector', { code: error.code });
      connectorReachable = false;
    }
    return {
      items: links.map((link) => ({
        link: { id: link.id, name: link.name, remoteKind: link.remoteKind, applicationUrl: link.applicationUrl },
        connection: byLink.get(link.id) ?? null,
      })),
      connectorReachable,
    };
  }

  async connect(id: string): Promise<AuthorizeLinkResult> {
    await this.impersonating(id);
    return this.deps.connector.connectMe(id);
  }

  async disconnect(id: string): Promise<DisconnectResult> {
    await this.impersonating(id);
    return this.deps.connector.disconnectMe(id);
  }

  async users(input: { id: string; limit: number; cursor?: string | undefined }): Promise<LinkUserPage> {
    await this.impersonating(input.id);
    return this.deps.connector.linkUsers(input.id, { limit: input.limit, cursor: input.cursor });
  }

  async disconnectUser(input: { id: string; subject: string }, actor: string): Promise<DisconnectResult> {
    const link = await this.impersonating(input.id);
    const result = await this.deps.connector.disconnectUser(input.id, input.subject);
    if (result.disconnected) {
      await this.deps.audit.record({
        actorAccountId: actor,
        action: 'user.disconnected',
        linkId: link.id,
        linkName: link.name,
        changes: [
          { field: 'user', from: input.subject, to: null },
          { field: 'remote revocation', from: null, to: result.remote },
        ],
      });
    }
    return result;
  }

  private async impersonating(id: string): Promise<{ id: string; name: string }> {
    const record = await this.deps.links.get(id);
    if (record === undefined) throw new AppError('NOT_FOUND');
    if (record.authKind !== 'oauth2-impersonation') throw new AppError('VALIDATION_FAILED', 'This link acts as one pre-configured account: users do not connect their own.');
    return record;
  }

  private async impersonatingLinks(): Promise<LinkSummary[]> {
    const found: LinkSummary[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.deps.links.page({ limit: PAGE, cursor });
      found.push(...page.items.filter((item) => item.authKind === 'oauth2-impersonation'));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return found;
  }
}
