import type { Logger } from 'pino';
import type { LinkRecord, Page, Store, UserConnectionView } from '../storage/store';
import type { Authorization } from './authorize';
import { credentialKey, type TokenCache } from './cache';
import { requireLink } from './client-factory';
import { CredentialError } from './errors';
import type { IdentifyRemoteUser } from './remote-identity';
import type { RevocationOutcome, RevokeCredential } from './user-revocation';

export interface UserConnectionsDeps {
  store: Store;
  cache: TokenCache;
  authorization: Authorization;
  identify: IdentifyRemoteUser;
  revoke: RevokeCredential;
  logger: Logger;
  now: () => number;
}

/** Who disconnected a user: the user themself, or an administrator (named, for the audit). */
export type DisconnectedBy = { kind: 'user' } | { kind: 'admin'; accountId: string };

export interface DisconnectResult {
  /** False when the user had no connection to end. */
  disconnected: boolean;
  remote: RevocationOutcome;
}

/**
 * Per-user credentials of impersonating links. Every method takes the subject from its caller,
 * and the routes take it from the verified invocation token's principal (never a payload), so a
 * user reaches only their own credential; only the admin routes name another user.
 */
export class UserConnections {
  constructor(private readonly deps: UserConnectionsDeps) {}

  /** Starts the authorization of `subject`'s own account on the link. */
  async connect(linkId: string, subject: string): Promise<{ authorizationUrl: string; expiresAt: string }> {
    const link = await this.impersonating(linkId);
    return this.deps.authorization.start(link.id, subject);
  }

  /** After consent (called by the authorization's callback): who the user is on the remote. */
  async authorized(link: LinkRecord, subject: string, accessToken: string): Promise<void> {
    const identity = await this.deps.identify(link, accessToken);
    await this.deps.store.userConnections.put({
      linkId: link.id,
      subject,
      remoteUsername: identity?.username ?? null,
      remoteDisplayName: identity?.displayName ?? null,
      connectedAt: new Date(this.deps.now()).toISOString(),
      disconnectedAt: null,
      disconnectedBy: null,
    });
  }

  /** One user's connections to these links (links without one are absent). */
  mine(subject: string, linkIds: readonly string[]): Promise<Map<string, UserConnectionView>> {
    return this.deps.store.userConnections.forSubject(subject, linkIds);
  }

  /** The users connected to a link, a page at a time (admins). */
  async list(linkId: string, page: { limit: number; cursor?: string | undefined }): Promise<Page<UserConnectionView>> {
    await requireLink(this.deps.store, linkId);
    return this.deps.store.userConnections.list(linkId, page);
  }

  /**
   * Ends one user's connection: revoke at the remote when it has a revocation endpoint, then delete
   * the tokens whatever the remote said (a user who asks to disconnect must not stay connected
   * because the remote is down), and remember the disconnection for consumers.
   */
  async disconnect(linkId: string, subject: string, by: DisconnectedBy): Promise<DisconnectResult> {
    await requireLink(this.deps.store, linkId);
    const existing = await this.deps.store.tokens.get(linkId, subject);
    const connection = await this.deps.store.userConnections.get(linkId, subject);
    if (existing === undefined && (connection === undefined || connection.disconnectedAt !== null)) return { disconnected: false, remote: 'nothing-to-revoke' };
    const remote = existing === undefined ? 'nothing-to-revoke' : await this.deps.revoke(linkId, subject);
    await this.deps.store.tokens.delete(linkId, subject);
    this.deps.cache.delete(credentialKey(linkId, subject));
    const now = new Date(this.deps.now()).toISOString();
    await this.deps.store.userConnections.put({
      linkId,
      subject,
      remoteUsername: connection?.remoteUsername ?? null,
      remoteDisplayName: connection?.remoteDisplayName ?? null,
      connectedAt: connection?.connectedAt ?? now,
      disconnectedAt: now,
      disconnectedBy: by.kind === 'user' ? 'user' : `admin:${by.accountId}`,
    });
    this.deps.logger.info({ linkId, by: by.kind, remote }, 'a user connection was ended');
    return { disconnected: true, remote };
  }

  /**
   * Why a consumer gets no token for this user: not connected, disconnected (when and by whom),
   * or must connect again. Called after the token read failed.
   */
  async explainMissing(linkId: string, subject: string): Promise<CredentialError> {
    const connection = await this.deps.store.userConnections.get(linkId, subject);
    if (connection?.disconnectedAt != null) {
      const who = connection.disconnectedBy === 'user' ? 'by the user' : 'by an administrator';
      return new CredentialError('USER_DISCONNECTED', `This user was disconnected from the link ${who} at ${connection.disconnectedAt}: they must connect again.`);
    }
    return new CredentialError('USER_NOT_CONNECTED', 'This user has not connected their account on this link: they connect it from "Connected accounts" in Jira.');
  }

  /** The subject of the user whose remote name is `username`, for consumers that know only that. */
  async subjectOfRemoteUser(linkId: string, username: string): Promise<string> {
    const connection = await this.deps.store.userConnections.findByRemoteUsername(linkId, username);
    if (connection === undefined) throw new CredentialError('USER_NOT_CONNECTED', 'No user of this link has connected that remote account.');
    return connection.subject;
  }

  private async impersonating(linkId: string): Promise<LinkRecord> {
    const link = await requireLink(this.deps.store, linkId);
    if (link.authKind !== 'oauth2-impersonation') throw new CredentialError('SUBJECT_NOT_ALLOWED', 'This link acts as one pre-configured account: users do not connect their own.');
    return link;
  }
}
