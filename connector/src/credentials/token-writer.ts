import type { TokenSet } from '../oauth';
import { ACCESS_TOKEN_FIELD, REFRESH_TOKEN_FIELD, tokenOwnerId, type LinkRecord, type Store, type StoredToken, type TokenAccess, type TokenRecord } from '../storage/store';
import type { Vault } from '../vault/vault';
import { cachedToken, credentialKey, type CachedToken, type TokenCache } from './cache';
import { setLinkStatus } from './link-status';
import { computeRefreshAt, computeUserRefreshAt, type RefreshPolicy } from './refresh-policy';

export interface TokenWriterDeps {
  store: Store;
  vault: Vault;
  cache: TokenCache;
  policy: RefreshPolicy;
  now: () => number;
  random: () => number;
}

/**
 * Where token sets become stored credentials, and stored credentials become the in-memory view
 * consumers are served from: sealing, the record with its refresh time, and the cache entry.
 */
export class TokenWriter {
  constructor(private readonly deps: TokenWriterDeps) {}

  /** Writes a newly obtained token set (authorization or client credentials), taking the credential's lock. */
  async storeNew(link: LinkRecord, subject: string, tokens: TokenSet): Promise<void> {
    const result = await this.deps.store.tokens.withLock(link.id, subject, { wait: true }, (access) => this.save(access, link, subject, tokens, null));
    if (!result.acquired) throw new Error('lock not acquired while waiting');
    if (link.status !== 'connected') await setLinkStatus(this.deps.store, link.id, 'connected', null, this.deps.now());
  }

  /**
   * Saves a token set through `access` (inside the credential's lock), keeping the previous
   * refresh token when the answer has none. Only sealing and the write: the caller sets the
   * link's status after the lock, so a refresh answer is committed as soon as it can be.
   */
  async save(access: TokenAccess, link: LinkRecord, subject: string, tokens: TokenSet, previousRefreshToken: string | null): Promise<void> {
    const now = this.deps.now();
    const expiresAt = tokens.expiresAt.getTime();
    const refreshToken = tokens.refreshToken ?? previousRefreshToken;
    const record: TokenRecord = {
      linkId: link.id,
      subject,
      tokenType: tokens.tokenType,
      scopes: tokens.scopes,
      obtainedAt: new Date(now).toISOString(),
      expiresAt: new Date(expiresAt).toISOString(),
      refreshAt: new Date((subject === '' ? computeRefreshAt : computeUserRefreshAt)(now, expiresAt, this.deps.policy, this.deps.random)).toISOString(),
      hasRefreshToken: refreshToken !== null,
      state: 'valid',
      failureCount: 0,
      nextAttemptAt: null,
      lastErrorCode: null,
      updatedAt: new Date(now).toISOString(),
      refreshExpiresAt: tokens.refreshTokenExpiresAt?.toISOString() ?? null,
    };
    const owner = tokenOwnerId(link.id, subject);
    const [accessToken, sealedRefresh] = await Promise.all([
      this.deps.vault.seal(owner, ACCESS_TOKEN_FIELD, tokens.accessToken),
      refreshToken === null ? null : this.deps.vault.seal(owner, REFRESH_TOKEN_FIELD, refreshToken),
    ]);
    await access.save(record, { accessToken, refreshToken: sealedRefresh });
    this.deps.cache.set(credentialKey(link.id, subject), cachedToken({
      accessToken: tokens.accessToken,
      tokenType: tokens.tokenType,
      scopes: tokens.scopes,
      expiresAt,
      refreshAt: Date.parse(record.refreshAt),
      state: 'valid',
      hasRefreshToken: refreshToken !== null,
    }));
  }

  /** Reads a credential from the store into the cache (one decrypt); undefined when none is stored. */
  async load(linkId: string, subject: string): Promise<CachedToken | undefined> {
    const stored = await this.deps.store.tokens.get(linkId, subject);
    if (stored === undefined) return undefined;
    return this.remember(stored);
  }

  /** Opens a stored credential's access token and caches it. */
  async remember(stored: StoredToken): Promise<CachedToken> {
    const { record } = stored;
    const cached = cachedToken({
      accessToken: await this.deps.vault.open(tokenOwnerId(record.linkId, record.subject), ACCESS_TOKEN_FIELD, stored.accessToken),
      tokenType: record.tokenType,
      scopes: record.scopes,
      expiresAt: Date.parse(record.expiresAt),
      refreshAt: Date.parse(record.refreshAt),
      state: record.state,
      hasRefreshToken: record.hasRefreshToken,
    });
    this.deps.cache.set(credentialKey(record.linkId, record.subject), cached);
    return cached;
  }
}
