import type { Logger } from 'pino';
import type { CredentialRevocation, LinkRevocationReport } from '../../../contract';
import type { OAuthClient, OAuthClientOptions } from '../oauth';
import type { UrlPolicy } from '../outbound/url-policy';
import type { LinkRecord, Store } from '../storage/store';
import type { Vault } from '../vault/vault';
import { Authorization, type CallbackResult } from './authorize';
import { TokenCache, credentialKey } from './cache';
import { obtainClientCredentials } from './client-credentials';
import { OAuthClientFactory, requireLink } from './client-factory';
import type { CredentialMetrics } from './metrics';
import { Refresher, type RefreshOutcome } from './refresh';
import { CredentialRevoker } from './revoke';
import { DEFAULT_REFRESH_POLICY, type RefreshPolicy } from './refresh-policy';
import { TokenServer, type ServedToken } from './serve';
import { TokenWriter } from './token-writer';
import { CredentialError } from './errors';
import type { IdentifyRemoteUser } from './remote-identity';
import { UserConnections } from './user-connections';
import { revocationOutcomeOf, type RevokeCredential } from './user-revocation';

export { AUTHORIZATION_TTL_MS, stateId, type CallbackResult } from './authorize';
export type { RefreshOutcome } from './refresh';
export { unavailableMessage, type ServedToken } from './serve';

export interface CredentialServiceDeps {
  store: Store;
  vault: Vault;
  policy: UrlPolicy;
  /** The connector's callback URL (`redirectUriOf(config)`), sent as `redirect_uri`. */
  redirectUri: string;
  logger: Logger;
  metrics: CredentialMetrics;
  now?: () => number;
  random?: () => number;
  refreshPolicy?: RefreshPolicy;
  /** Per-call limit on provider requests. */
  providerTimeoutMs?: number;
  /** Agents for token requests whose lookup refuses internal addresses (outbound/guarded-agents.ts). */
  agents?: OAuthClientOptions['agents'];
  /** See `RefresherDeps.onNeedsReauthorization`. */
  onNeedsReauthorization?: (linkId: string, reason: string) => Promise<void>;
  /** Asks the remote who a user's new token belongs to (per-user links); none: the name stays unknown. */
  identify?: IdentifyRemoteUser;
  /** Revokes a user's tokens at the remote before a disconnect deletes them. Default: `revokeCredential` (revoke.ts). */
  revoke?: RevokeCredential;
}

/**
 * A link's tokens, from one door: it wires the modules that each hold one concern (authorize,
 * client credentials, refresh under lock, serve, the OAuth client factory) over one cache, which
 * every replica's saves invalidate through the store's change feed.
 */
export class CredentialService {
  readonly cache = new TokenCache();
  private readonly clients: OAuthClientFactory;
  private readonly writer: TokenWriter;
  private readonly refresher: Refresher;
  private readonly server: TokenServer;
  private readonly authorization: Authorization;
  private readonly revoker: CredentialRevoker;
  private readonly unsubscribe: () => void;
  /** Per-user connections of impersonating links (`user-connections.ts`). */
  readonly users: UserConnections;

  constructor(private readonly deps: CredentialServiceDeps) {
    const now = deps.now ?? Date.now;
    const random = deps.random ?? Math.random;
    const policy = deps.refreshPolicy ?? DEFAULT_REFRESH_POLICY;
    const { store, vault, metrics, logger } = deps;
    const cache = this.cache;
    this.clients = new OAuthClientFactory({ store, vault, policy: deps.policy, redirectUri: deps.redirectUri, now, providerTimeoutMs: deps.providerTimeoutMs, agents: deps.agents });
    this.writer = new TokenWriter({ store, vault, cache, policy, now, random });
    this.refresher = new Refresher({ store, vault, clients: this.clients, writer: this.writer, cache, policy, metrics, logger, now, random, onNeedsReauthorization: deps.onNeedsReauthorization });
    this.server = new TokenServer({ store, cache, writer: this.writer, refresher: this.refresher, logger, now });
    this.revoker = new CredentialRevoker({ store, vault, clients: this.clients, logger });
    this.authorization = new Authorization({
      store, vault, clients: this.clients, writer: this.writer, metrics, logger, now,
      onUserAuthorized: (link, subject, accessToken) => this.users.authorized(link, subject, accessToken),
    });
    this.users = new UserConnections({
      store, cache, authorization: this.authorization, logger, now,
      identify: deps.identify ?? (async () => null),
      revoke: deps.revoke ?? (async (linkId, subject) => revocationOutcomeOf(await this.revoker.revokeCredential(linkId, subject))),
    });
    this.unsubscribe = store.tokens.onChange((linkId, subject) => cache.delete(credentialKey(linkId, subject)));
  }

  close(): void {
    this.unsubscribe();
  }

  /** Starts the authorization-code flow; returns the URL to send the person to. */
  startAuthorization(linkId: string, subject: string | undefined): Promise<{ authorizationUrl: string; expiresAt: string }> {
    return this.authorization.start(linkId, subject);
  }

  /** Handles the provider's redirect back to `/oauth/callback`. Never throws: it explains. */
  completeAuthorization(query: URLSearchParams): Promise<CallbackResult> {
    return this.authorization.complete(query);
  }

  /** Gets a token with the client-credentials grant and stores it (links that use that grant). */
  obtainClientCredentials(linkId: string): Promise<void> {
    return obtainClientCredentials({ store: this.deps.store, clients: this.clients, writer: this.writer }, linkId);
  }

  /** A valid access token for a consumer (see `serve.ts`). */
  getAccessToken(linkId: string, subject: string): Promise<ServedToken> {
    return this.server.getAccessToken(linkId, subject);
  }

  /** The link's own token; on an impersonating link, says to name the user instead of "not authorized". */
  async getLinkAccessToken(linkId: string): Promise<ServedToken> {
    try {
      return await this.server.getAccessToken(linkId, '');
    } catch (error) {
      if (error instanceof CredentialError && error.code === 'NOT_AUTHORIZED' && (await this.deps.store.links.get(linkId))?.authKind === 'oauth2-impersonation') {
        throw new CredentialError('SUBJECT_REQUIRED', 'This link impersonates users: name the user with ?subject=<Atlassian account id> or ?remoteUser=<user name on the remote>.');
      }
      throw error;
    }
  }

  /**
   * One user's token, by account id or by their name on the remote. When there is none, the error
   * says why: never connected, disconnected (when, by whom), or must connect again.
   */
  async getUserAccessToken(linkId: string, who: { subject?: string | undefined; remoteUser?: string | undefined }): Promise<ServedToken> {
    const subject = who.subject ?? (await this.users.subjectOfRemoteUser(linkId, who.remoteUser ?? ''));
    try {
      return await this.server.getAccessToken(linkId, subject);
    } catch (error) {
      if (!(error instanceof CredentialError)) throw error;
      if (error.code === 'NOT_AUTHORIZED') throw await this.users.explainMissing(linkId, subject);
      if (error.code === 'NEEDS_REAUTHORIZATION') throw new CredentialError('NEEDS_REAUTHORIZATION', 'The remote refused this user\'s refresh token: they must connect their account again from "Connected accounts" in Jira.');
      throw error;
    }
  }

  /** Refreshes one credential if it needs it (see `refresh.ts`). */
  refresh(linkId: string, subject: string, options: { wait: boolean }): Promise<RefreshOutcome> {
    return this.refresher.refresh(linkId, subject, options);
  }

  /**
   * Revokes one credential's access and refresh token at the remote (RFC 7009) and deletes them
   * here whatever the remote answers; one outcome per token (see `revoke.ts`).
   */
  revokeCredential(linkId: string, subject: string): Promise<CredentialRevocation> {
    return this.revoker.revokeCredential(linkId, subject);
  }

  /** For a link's deletion: every credential's tokens revoked at the remote around `remove` (see `revoke.ts`). */
  revokeLinkAround(link: LinkRecord, remove: () => Promise<void>): Promise<LinkRevocationReport> {
    return this.revoker.revokeLinkAround(link, remove);
  }

  /** The link, checked to have what any authorization needs. */
  async linkForAuthorization(linkId: string): Promise<LinkRecord> {
    const link = await requireLink(this.deps.store, linkId);
    await this.clients.clientFor(link);
    return link;
  }

  /** The OAuth client for a link, with its client secret opened from the vault. */
  clientFor(link: LinkRecord): Promise<OAuthClient> {
    return this.clients.clientFor(link);
  }
}
