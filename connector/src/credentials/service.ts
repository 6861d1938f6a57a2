import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { DIAGNOSTIC_CODES, REMOTE_PRESETS, type DiagnosticCode, type RemoteKind } from '../../../contract';
import { CLIENT_SECRET_FIELD, type LinkService } from '../links/service';
import { redirectUriFor } from '../links/view';
import type { UrlPolicy } from '../outbound/url-policy';
import {
  ACCESS_TOKEN_FIELD,
  REFRESH_TOKEN_FIELD,
  CODE_VERIFIER_FIELD,
  authStateOwnerId,
  tokenOwnerId,
  type LinkRecord,
  type Store,
  type StoredToken,
  type TokenAccess,
  type TokenRecord,
} from '../storage/store';
import { createOAuthClient, OAuthError, type OAuthClient, type OAuthClientOptions, type TokenSet } from '../tokens';
import type { Vault } from '../vault/vault';
import { TokenCache, cachedToken, credentialKey, type CachedToken } from './cache';
import { CredentialError } from './errors';
import { computeRefreshAt, decideRefresh, nextAttemptAfter, DEFAULT_REFRESH_POLICY, MIN_SERVE_MS, type RefreshPolicy } from './refresh-policy';
import type { CredentialMetrics } from './metrics';

/** How long a person has between "Authorize" and coming back through the callback. */
export const AUTHORIZATION_TTL_MS = 10 * 60_000;

export interface CredentialServiceDeps {
  store: Store;
  vault: Vault;
  links: LinkService;
  policy: UrlPolicy;
  publicUrl: string;
  logger: Logger;
  metrics: CredentialMetrics;
  now?: () => number;
  random?: () => number;
  refreshPolicy?: RefreshPolicy;
  /** Per-call limit on provider requests. */
  providerTimeoutMs?: number;
  /** Agents for token requests whose lookup refuses internal addresses (outbound/guarded-agents.ts). */
  agents?: OAuthClientOptions['agents'];
}

export interface ServedToken {
  accessToken: string;
  tokenType: string;
  expiresAt: string;
  scopes: string[];
}

export type RefreshOutcome = 'refreshed' | 'fresh' | 'skipped-locked' | 'needs-reauthorization' | 'failed' | 'cannot-refresh' | 'backing-off';

/** What the callback page tells the person who just came back from the provider. */
export interface CallbackResult {
  ok: boolean;
  title: string;
  message: string;
  linkId?: string;
}

/**
 * Everything about a link's tokens: the browser authorization with PKCE, the callback, client
 * credentials, refresh (one at a time per credential, across replicas), the in-memory view that
 * serves consumers, and the consequences of failure (back-off, or "needs re-authorization").
 */
export class CredentialService {
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly policy: RefreshPolicy;
  readonly cache = new TokenCache();
  /** One refresh per credential at a time in this process; other callers share its promise. */
  private readonly inFlight = new Map<string, Promise<RefreshOutcome>>();
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: CredentialServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
    this.policy = deps.refreshPolicy ?? DEFAULT_REFRESH_POLICY;
    this.unsubscribe = deps.store.tokens.onChange((linkId, subject) => this.cache.delete(credentialKey(linkId, subject)));
  }

  close(): void {
    this.unsubscribe();
  }

  // --- authorization code (browser) -------------------------------------------------------

  /** Starts the authorization-code flow; returns the URL to send the person to. */
  async startAuthorization(linkId: string, subjectInput: string | undefined): Promise<{ authorizationUrl: string; expiresAt: string }> {
    const link = await this.requireLink(linkId);
    if (link.outgoing.grantType !== 'authorization_code') {
      throw new CredentialError('NOT_AUTHORIZATION_CODE', 'This link uses client credentials: it needs no browser authorization.');
    }
    const subject = this.subjectFor(link, subjectInput);
    const client = await this.clientFor(link);
    const request = client.createAuthorizationRequest();
    const id = stateId(request.state);
    const now = this.now();
    const expiresAt = new Date(now + AUTHORIZATION_TTL_MS).toISOString();
    const sealed = await this.deps.vault.seal(authStateOwnerId(id), CODE_VERIFIER_FIELD, request.codeVerifier);
    await this.deps.store.authStates.create({ id, linkId, subject, createdAt: new Date(now).toISOString(), expiresAt, usedAt: null }, sealed);
    return { authorizationUrl: request.url, expiresAt };
  }

  /** Handles the provider's redirect back to `/oauth/callback`. Never throws: it explains. */
  async completeAuthorization(query: URLSearchParams): Promise<CallbackResult> {
    const state = query.get('state');
    if (state === null || state === '' || state.length > 512) {
      return { ok: false, title: 'This page needs a state', message: 'The address has no valid state parameter. Start again from Authorize on the link.' };
    }
    const consumed = await this.deps.store.authStates.consume(stateId(state), new Date(this.now()).toISOString());
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
      const client = await this.clientFor(link);
      const { code } = client.parseAuthorizationResponse(query, state);
      const verifier = await this.deps.vault.open(authStateOwnerId(record.id), CODE_VERIFIER_FIELD, consumed.codeVerifier);
      const tokens = await client.exchangeCode({ code, codeVerifier: verifier });
      await this.storeNewTokens(link, record.subject, tokens);
      this.deps.metrics.authorizations.inc({ result: 'connected' });
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

  // --- client credentials -----------------------------------------------------------------

  /** Gets a token with the client-credentials grant and stores it (links that use that grant). */
  async obtainClientCredentials(linkId: string): Promise<void> {
    const link = await this.requireLink(linkId);
    if (link.outgoing.grantType !== 'client_credentials') throw new CredentialError('NOT_AUTHORIZATION_CODE', 'This link uses the authorization-code grant: select Authorize.');
    const client = await this.clientFor(link);
    const tokens = await client.clientCredentials();
    await this.storeNewTokens(link, '', tokens);
  }

  // --- serving tokens ---------------------------------------------------------------------

  /**
   * A valid access token for a consumer: from memory while it is fresh; when it is due, the
   * current one is served and a refresh starts in the background; only an expired (or nearly
   * expired) token makes the caller wait for the refresh.
   */
  async getAccessToken(linkId: string, subject: string): Promise<ServedToken> {
    const key = credentialKey(linkId, subject);
    let cached = this.cache.get(key);
    if (cached === undefined) {
      cached = await this.load(linkId, subject);
      if (cached === undefined) throw new CredentialError('NOT_AUTHORIZED', 'The link has no token yet: authorize it first.');
    }
    if (cached.state === 'needs-reauthorization') throw new CredentialError('NEEDS_REAUTHORIZATION', 'The link needs to be authorized again.');
    const now = this.now();
    if (now < cached.refreshAt) return serve(cached);
    if (now < cached.expiresAt - MIN_SERVE_MS) {
      void this.refresh(linkId, subject, { wait: true });
      return serve(cached);
    }
    const outcome = await this.refresh(linkId, subject, { wait: true });
    const after = this.cache.get(key) ?? (await this.load(linkId, subject));
    if (after !== undefined && after.state === 'needs-reauthorization') throw new CredentialError('NEEDS_REAUTHORIZATION', 'The link needs to be authorized again.');
    if (after !== undefined && this.now() < after.expiresAt) return serve(after);
    const lastError = (await this.deps.store.tokens.get(linkId, subject))?.record.lastErrorCode ?? null;
    throw new CredentialError('TOKEN_UNAVAILABLE', unavailableMessage(outcome, lastError));
  }

  /**
   * Refreshes one credential if it needs it. Callers in this process share one attempt; across
   * processes the store's lock makes sure only one runs, and the holder re-reads the token after
   * taking the lock, so a refresh another replica just finished is not repeated.
   */
  refresh(linkId: string, subject: string, options: { wait: boolean }): Promise<RefreshOutcome> {
    const key = credentialKey(linkId, subject);
    const running = this.inFlight.get(key);
    if (running !== undefined) return running;
    const attempt = this.refreshUnderLock(linkId, subject, options).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, attempt);
    return attempt;
  }

  private async refreshUnderLock(linkId: string, subject: string, options: { wait: boolean }): Promise<RefreshOutcome> {
    try {
      const result = await this.deps.store.tokens.withLock(linkId, subject, options, (access) => this.refreshHoldingLock(linkId, subject, access));
      const outcome = result.acquired ? result.value : 'skipped-locked';
      this.deps.metrics.refreshes.inc({ outcome });
      return outcome;
    } catch (error) {
      this.deps.metrics.refreshes.inc({ outcome: 'failed' });
      this.deps.logger.error({ err: error, linkId }, 'refresh failed unexpectedly');
      return 'failed';
    }
  }

  private async refreshHoldingLock(linkId: string, subject: string, access: TokenAccess): Promise<RefreshOutcome> {
    const current = await access.get(linkId, subject);
    if (current === undefined) return 'cannot-refresh';
    const link = await this.deps.store.links.get(linkId);
    if (link === undefined) return 'cannot-refresh';
    const canReissue = link.outgoing.grantType === 'client_credentials';
    const now = this.now();
    const decision = decideRefresh(current.record, now, canReissue);
    if (!decision.refresh) {
      // Someone else refreshed while we waited for the lock: make sure our view is theirs.
      if (decision.reason === 'fresh') this.cache.set(credentialKey(linkId, subject), await this.toCached(current));
      return decision.reason;
    }
    const owner = tokenOwnerId(linkId, subject);
    const refreshToken = current.refreshToken === null ? null : await this.deps.vault.open(owner, REFRESH_TOKEN_FIELD, current.refreshToken);
    let tokens: TokenSet;
    try {
      const client = await this.clientFor(link);
      tokens = refreshToken !== null ? await client.refresh(refreshToken, { scopes: current.record.scopes }) : await client.clientCredentials();
    } catch (error) {
      return this.recordFailure(link, current, access, error);
    }
    // The new tokens are written in the lock's transaction: with rotating refresh tokens, the old
    // one is already spent at the provider, so losing the new one would lose the grant.
    await this.saveTokens(access, link, subject, tokens, refreshToken);
    return 'refreshed';
  }

  private async recordFailure(link: LinkRecord, current: StoredToken, access: TokenAccess, error: unknown): Promise<RefreshOutcome> {
    const now = this.now();
    const code = error instanceof OAuthError ? error.code : error instanceof CredentialError ? error.code : 'INTERNAL';
    const key = credentialKey(link.id, current.record.subject);
    // invalid_grant: the refresh token is spent, revoked or expired. Retrying cannot help and,
    // with rotating tokens, could make things worse; a person must authorize again.
    if (code === 'INVALID_GRANT') {
      const record: TokenRecord = { ...current.record, state: 'needs-reauthorization', lastErrorCode: code, nextAttemptAt: null, updatedAt: new Date(now).toISOString() };
      await access.saveRecord(record);
      this.cache.delete(key);
      this.deps.logger.warn({ linkId: link.id, providerError: error instanceof OAuthError ? error.providerError : undefined }, 'refresh token refused: the link needs re-authorization');
      if (current.record.subject === '') await this.deps.links.setStatus(link.id, 'needs-reauthorization', 'The remote refused the refresh token (invalid_grant): authorize the link again.');
      return 'needs-reauthorization';
    }
    const failures = current.record.failureCount + 1;
    const record: TokenRecord = {
      ...current.record,
      failureCount: failures,
      nextAttemptAt: new Date(nextAttemptAfter(failures, now, this.policy, this.random)).toISOString(),
      lastErrorCode: code,
      updatedAt: new Date(now).toISOString(),
    };
    await access.saveRecord(record);
    // Until the back-off ends, reads serve the current token (while valid) without trying again.
    const cached = this.cache.get(key);
    if (cached !== undefined && record.nextAttemptAt !== null) this.cache.set(key, { ...cached, refreshAt: Date.parse(record.nextAttemptAt) });
    this.deps.logger.warn(
      { linkId: link.id, code, failures, nextAttemptAt: record.nextAttemptAt, providerError: error instanceof OAuthError ? error.providerError : undefined },
      'refresh failed; backing off',
    );
    // Retrying goes on, but the admin page should not say "connected" when a person must change the
    // configuration, or when the link has no usable token left.
    if (current.record.subject === '' && (NEEDS_A_PERSON.has(code) || now >= Date.parse(current.record.expiresAt))) {
      await this.deps.links.setStatus(link.id, 'failing', `Renewing the access token failed with ${code}. ${hintFor(code)}`.trim());
    }
    return 'failed';
  }

  /** Writes a newly obtained token set (authorization or client credentials), outside any lock. */
  private async storeNewTokens(link: LinkRecord, subject: string, tokens: TokenSet): Promise<void> {
    const result = await this.deps.store.tokens.withLock(link.id, subject, { wait: true }, (access) => this.saveTokens(access, link, subject, tokens, null));
    if (!result.acquired) throw new Error('lock not acquired while waiting');
  }

  private async saveTokens(access: TokenAccess, link: LinkRecord, subject: string, tokens: TokenSet, previousRefreshToken: string | null): Promise<void> {
    const now = this.now();
    const expiresAt = tokens.expiresAt.getTime();
    const refreshToken = tokens.refreshToken ?? previousRefreshToken;
    const record: TokenRecord = {
      linkId: link.id,
      subject,
      tokenType: tokens.tokenType,
      scopes: tokens.scopes,
      obtainedAt: new Date(now).toISOString(),
      expiresAt: new Date(expiresAt).toISOString(),
      refreshAt: new Date(computeRefreshAt(now, expiresAt, this.policy, this.random)).toISOString(),
      hasRefreshToken: refreshToken !== null,
      state: 'valid',
      failureCount: 0,
      nextAttemptAt: null,
      lastErrorCode: null,
      updatedAt: new Date(now).toISOString(),
    };
    const owner = tokenOwnerId(link.id, subject);
    await access.save(record, {
      accessToken: await this.deps.vault.seal(owner, ACCESS_TOKEN_FIELD, tokens.accessToken),
      refreshToken: refreshToken === null ? null : await this.deps.vault.seal(owner, REFRESH_TOKEN_FIELD, refreshToken),
    });
    this.cache.set(credentialKey(link.id, subject), cachedToken({
      accessToken: tokens.accessToken,
      tokenType: tokens.tokenType,
      scopes: tokens.scopes,
      expiresAt,
      refreshAt: Date.parse(record.refreshAt),
      state: 'valid',
      hasRefreshToken: refreshToken !== null,
    }));
    if (link.status !== 'connected') await this.deps.links.setStatus(link.id, 'connected', null);
  }

  private async load(linkId: string, subject: string): Promise<CachedToken | undefined> {
    const stored = await this.deps.store.tokens.get(linkId, subject);
    if (stored === undefined) return undefined;
    const cached = await this.toCached(stored);
    this.cache.set(credentialKey(linkId, subject), cached);
    return cached;
  }

  private async toCached(stored: StoredToken): Promise<CachedToken> {
    const { record } = stored;
    return cachedToken({
      accessToken: await this.deps.vault.open(tokenOwnerId(record.linkId, record.subject), ACCESS_TOKEN_FIELD, stored.accessToken),
      tokenType: record.tokenType,
      scopes: record.scopes,
      expiresAt: Date.parse(record.expiresAt),
      refreshAt: Date.parse(record.refreshAt),
      state: record.state,
      hasRefreshToken: record.hasRefreshToken,
    });
  }

  // --- helpers ----------------------------------------------------------------------------

  /** The link, checked to have what any authorization needs. */
  async linkForAuthorization(linkId: string): Promise<LinkRecord> {
    const link = await this.requireLink(linkId);
    await this.clientFor(link);
    return link;
  }

  private async requireLink(linkId: string): Promise<LinkRecord> {
    const link = await this.deps.store.links.get(linkId);
    if (link === undefined) throw new CredentialError('LINK_NOT_FOUND', `No link with id ${linkId}.`);
    return link;
  }

  private subjectFor(link: LinkRecord, subject: string | undefined): string {
    if (link.authKind === 'oauth2-impersonation') {
      if (subject === undefined || subject === '') throw new CredentialError('SUBJECT_REQUIRED', 'This link impersonates users: name the user (subject) to authorize.');
      return subject;
    }
    if (subject !== undefined && subject !== '') throw new CredentialError('SUBJECT_NOT_ALLOWED', 'This link acts as one pre-configured account: do not name a user.');
    return '';
  }

  /** The OAuth client for a link, with its client secret opened from the vault. */
  async clientFor(link: LinkRecord): Promise<OAuthClient> {
    if (link.authKind === 'none') throw new CredentialError('NOT_CONFIGURED', 'This link has no authentication (outgoing only).');
    const { clientId, tokenEndpoint, authorizationEndpoint } = link.outgoing;
    const sealed = await this.deps.store.secrets.get(link.id, CLIENT_SECRET_FIELD);
    if (clientId === null || sealed === undefined || tokenEndpoint === null) {
      throw new CredentialError('NOT_CONFIGURED', 'Enter the client ID and secret from the remote\'s incoming link first.');
    }
    const preset = REMOTE_PRESETS[link.remoteKind as RemoteKind];
    const insecureAllowed = [tokenEndpoint, authorizationEndpoint].every((u) => u === null || u.startsWith('https:') || this.deps.policy.isHostAllowed(new URL(u)));
    return createOAuthClient(
      {
        clientId,
        clientSecret: await this.deps.vault.open(link.id, CLIENT_SECRET_FIELD, sealed),
        authorizationEndpoint: authorizationEndpoint ?? tokenEndpoint,
        tokenEndpoint,
        revocationEndpoint: link.outgoing.revocationEndpoint,
        redirectUri: redirectUriFor(this.deps.publicUrl),
        scopes: link.outgoing.scopes,
        clientAuth: preset.clientAuth,
        authorizeParams: preset.authorizeParams,
        defaultAccessTokenSeconds: preset.defaultAccessTokenSeconds,
      },
      {
        now: this.now,
        allowInsecureHttp: insecureAllowed,
        ...(this.deps.agents === undefined ? {} : { agents: this.deps.agents }),
        ...(this.deps.providerTimeoutMs === undefined ? {} : { timeoutMs: this.deps.providerTimeoutMs }),
      },
    );
  }
}

/** The state is a bearer secret until used; only its hash is stored. */
export function stateId(state: string): string {
  return createHash('sha256').update(state, 'utf8').digest('base64url');
}

/** Renewal failures that retrying cannot mend: the link's configuration (or the remote's) must change. */
const NEEDS_A_PERSON: ReadonlySet<string> = new Set(['INVALID_CLIENT', 'INVALID_SCOPE', 'CREDENTIALS_MISSING', 'HOST_NOT_ALLOWED', 'URL_INSECURE', 'TLS_CERT_EXPIRED', 'TLS_CERT_UNTRUSTED', 'TLS_HOSTNAME_MISMATCH']);

/** The contract's hint for a diagnostic code; empty for codes it does not know. */
function hintFor(code: string | null): string {
  return code !== null && code in DIAGNOSTIC_CODES ? DIAGNOSTIC_CODES[code as DiagnosticCode].hint : '';
}

/** Why a consumer gets no token, with what to do about it: the renewal's error code and its hint. */
export function unavailableMessage(outcome: RefreshOutcome, lastError: string | null): string {
  const renewal = `the last renewal ${outcome === 'failed' ? 'failed' : `was ${outcome}`}${lastError === null ? '' : ` with ${lastError}`}`;
  return `No valid token: ${renewal}. ${hintFor(lastError) || "The remote's token endpoint may be unreachable."} The connector retries with back-off.`;
}

function serve(token: CachedToken): ServedToken {
  return token.served;
}
