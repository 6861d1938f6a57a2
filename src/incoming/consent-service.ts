import { CLOUD_INCOMING_SCOPES, REMOTE_PRESETS, type ConsentDecision, type ConsentRequestView } from '../../contract';
import { AppError } from '../errors';
import type { Logger } from '../logger';
import type { LinkRecord } from '../links/link-record';
import type { LinkRepository } from '../storage/link-repository';
import type { AuthorizationGrants, PendingAuthorization } from './authorization-grants';
import { withParams } from './authorize-endpoint';
import type { IncomingClients } from './incoming-clients';

/** Said on the consent page before anyone consents (issue 12: say whose permissions the calls use). */
export const ACTS_AS_APP_TEXT =
  'Calls the remote makes through this site\'s gateway act as the app "OAuth 2.0 application links", not as you: Forge does not let web triggers act as a user. They can reach what the app can reach in Jira, limited by the scopes it asks for.';

/**
 * The consent step of the authorization code grant: a signed-in Atlassian account (the resolver's
 * principal, never a payload value) sees what a pending request asks for, then approves it, which
 * makes a single-use code, or denies it. Either way the pending request is used up, and the answer
 * is the URL the browser goes to next: Custom UI cannot navigate the top window, so the page shows
 * it as a link (or opens it with `router.open`).
 */
export class ConsentService {
  constructor(private readonly deps: { grants: AuthorizationGrants; clients: IncomingClients; links: LinkRepository; logger: Logger }) {}

  async describe(requestId: string): Promise<ConsentRequestView> {
    const pending = await this.deps.grants.pending(requestId);
    if (pending === undefined) throw expiredRequest();
    const link = await this.stillValid(pending);
    return {
      linkName: link.name,
      remoteLabel: REMOTE_PRESETS[link.remoteKind].label,
      applicationUrl: link.applicationUrl,
      redirectUri: pending.redirectUri,
      scopes: pending.scopes.map((name) => ({ name, description: CLOUD_INCOMING_SCOPES.find((s) => s.name === name)?.description ?? name })),
      actsAs: 'app',
      actsAsText: ACTS_AS_APP_TEXT,
      expiresAt: pending.expiresAt,
    };
  }

  async decide(requestId: string, decision: 'approve' | 'deny', accountId: string): Promise<ConsentDecision> {
    const pending = await this.deps.grants.takePending(requestId);
    if (pending === undefined) throw expiredRequest();
    await this.stillValid(pending);
    if (decision === 'deny') {
      this.deps.logger.info('Authorization denied', { clientId: pending.clientId, linkId: pending.linkId, accountId });
      return { decision, redirectUrl: withParams(pending.redirectUri, { error: 'access_denied', error_description: 'The user denied the request.', state: pending.state }) };
    }
    const code = await this.deps.grants.issueCode(pending, accountId);
    this.deps.logger.info('Authorization approved; code issued', { clientId: pending.clientId, linkId: pending.linkId, accountId, scopes: pending.scopes });
    return { decision, redirectUrl: withParams(pending.redirectUri, { code, state: pending.state }) };
  }

  /** The request's client, generation and redirect URI must still be the link's: a re-issue or an edit since voids it. */
  private async stillValid(pending: PendingAuthorization): Promise<LinkRecord> {
    const client = await this.deps.clients.find(pending.clientId);
    const link = await this.deps.links.get(pending.linkId);
    const incoming = link?.incoming;
    if (link === undefined || incoming == null || client === undefined || client.generation !== pending.generation || incoming.clientId !== pending.clientId || incoming.redirectUri !== pending.redirectUri || incoming.redirectUriIsPlaceholder) {
      throw new AppError('NOT_FOUND', 'This authorization request is no longer valid: the link or its credentials changed. Start again from the remote application.');
    }
    return link;
  }
}

const expiredRequest = () => new AppError('NOT_FOUND', 'This authorization request is unknown, expired or already answered. Start again from the remote application.');
