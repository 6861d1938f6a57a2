import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { OAuthError } from '../oauth';
import { CODE_VERIFIER_FIELD, authStateOwnerId, type LinkRecord, type Store } from '../storage/store';
import type { Vault } from '../vault/vault';
import { requireLink, type OAuthClientFactory } from './client-factory';
import { CredentialError } from './errors';
import type { CredentialMetrics } from './metrics';
import type { TokenWriter } from './token-writer';

/** How long a person has between "Authorize" and coming back through the callback. */
export const AUTHORIZATION_TTL_MS = 10 * 60_000;

/** What the callback page tells the person who just came back from the provider. */
export interface CallbackResult {
  ok: boolean;
  title: string;
  message: string;
  linkId?: string;
}

export interface AuthorizationDeps {
  store: Store;
  vault: Vault;
  clients: OAuthClientFactory;
  writer: TokenWriter;
  metrics: CredentialMetrics;
  logger: Logger;
  now: () => number;
  /** After a user's consent on an impersonating link: learn who they are on the remote. */
  onUserAuthorized?: (link: LinkRecord, subject: string, accessToken: string) => Promise<void>;
}

/**
 * The authorization-code flow in a browser (RFC 6749 section 4.1 with PKCE, RFC 7636): the start,
 * which keeps the sealed verifier under a hash of the state, and the callback, which redeems it once.
 */
export class Authorization {
  constructor(private readonly deps: AuthorizationDeps) {}

  /** Starts the authorization-code flow; returns the URL to send the person to. */
  async start(linkId: string, subjectInput: string | undefined): Promise<{ authorizationUrl: string; expiresAt: string }> {
    const link = await requireLink(this.deps.store, linkId);
    if (link.outgoing.grantType !== 'authorization_code') {
      throw new CredentialError('NOT_AUTHORIZATION_CODE', 'This link uses client credentials: it needs no browser authorization.');
    }
    const subject = subjectFor(link, subjectInput);
    const client = await this.deps.clients.clientFor(link);
    const request = client.createAuthorizationRequest();
    const id = stateId(request.state);
    const now = this.deps.now();
    const expiresAt = new Date(now + AUTHORIZATION_TTL_MS).toISOString();
    const sealed = await this.deps.vault.seal(authStateOwnerId(id), CODE_VERIFIER_FIELD, request.codeVerifier);
    await this.deps.store.authStates.create({ id, linkId, subject, createdAt: new Date(now).toISOString(), expiresAt, usedAt: null }, sealed);
    return { authorizationUrl: request.url, expiresAt };
  }

  /** Handles the provider's redirect back to `/oauth/callback`. Never throws: it explains. */
  async complete(query: URLSearchParams): Promise<CallbackResult> {
    const state = query.get('state');
    if (state === null || state === '' || state.length > 512) {
      return { ok: false, title: 'This page needs a state', message: 'The address has no valid state parameter. Start again from Authorize on the link.' };
    }
    const consumed = await this.deps.store.authStates.consume(stateId(state), new Date(this.deps.now()).toISOString());
    if (consumed.outcome === 'unknown') {
      return { ok: false, title: 'Unknown authorization request', message: 'This authorization request is not one the connector started. Start again from Authorize on the link.' };
    }
    if (consumed.outcome === 'replayed') {
      return { ok: false, title: 'Already used', message: 'This authorization was already completed. If the link still needs authorizing, start again from Authorize.', linkId: consumed.record.linkId };
    }
    if (consumed.outcome === 'expired') {
      return { ok: false, title: 'Authorization expired', message: 'More than 10 minutes passed since Authorize was selected. Start again from Authorize on the link.', linkId: consumed.record.linkId };
    }
    const { record } = consumed;
    const link = await this.deps.store.links.get(record.linkId);
    if (link === undefined) return { ok: false, title: 'Link removed', message: 'The link was deleted while you were authorizing it.' };
    try {
      const client = await this.deps.clients.clientFor(link);
      const { code } = client.parseAuthorizationResponse(query, state);
      const verifier = await this.deps.vault.open(authStateOwnerId(record.id), CODE_VERIFIER_FIELD, consumed.codeVerifier);
      const tokens = await client.exchangeCode({ code, codeVerifier: verifier });
      await this.deps.writer.storeNew(link, record.subject, tokens);
      this.deps.metrics.authorizations.inc({ result: 'connected' });
      if (record.subject !== '') {
        await this.deps.onUserAuthorized?.(link, record.subject, tokens.accessToken).catch((error: unknown) => {
          this.deps.logger.warn({ err: error, linkId: link.id }, 'connected, but the remote user name was not recorded');
        });
        return { ok: true, title: 'Connected', message: `Your account is connected to ${link.name}. You can close this window and return to Jira.`, linkId: link.id };
      }
      return { ok: true, title: 'Connected', message: `${link.name} is authorized. You can close this window and return to the admin page.`, linkId: link.id };
    } catch (error) {
      this.deps.metrics.authorizations.inc({ result: 'failed' });
      if (error instanceof OAuthError) {
        this.deps.logger.warn({ linkId: link.id, code: error.code, providerError: error.providerError, providerErrorDescription: error.providerErrorDescription }, 'authorization failed');
        return { ok: false, title: error.code === 'AUTHORIZATION_DENIED' ? 'Access was not granted' : 'Authorization failed', message: `${error.message}`, linkId: link.id };
      }
      this.deps.logger.error({ err: error, linkId: link.id }, 'authorization failed');
      return { ok: false, title: 'Authorization failed', message: 'The connector could not complete the authorization. The cause has been logged.', linkId: link.id };
    }
  }
}

/** The state is a bearer secret until used; only its hash is stored. */
export function stateId(state: string): string {
  return createHash('sha256').update(state, 'utf8').digest('base64url');
}

function subjectFor(link: LinkRecord, subject: string | undefined): string {
  if (link.authKind === 'oauth2-impersonation') {
    // The subject is the Forge invocation token's principal, passed by the user routes only.
    if (subject === undefined || subject === '') {
      throw new CredentialError('SUBJECT_REQUIRED', 'This link impersonates users: each user connects their own account from "Connected accounts" in Jira.');
    }
    return subject;
  }
  if (subject !== undefined && subject !== '') throw new CredentialError('SUBJECT_NOT_ALLOWED', 'This link acts as one pre-configured account: do not name a user.');
  return '';
}
