import type { Logger } from 'pino';
import { OAuthError, type TokenSet } from '../oauth';
import { REFRESH_TOKEN_FIELD, tokenOwnerId, type LinkRecord, type Store, type StoredToken, type TokenAccess, type TokenRecord } from '../storage/store';
import { VaultError } from '../vault/errors';
import type { Vault } from '../vault/vault';
import { credentialKey, type TokenCache } from './cache';
import type { OAuthClientFactory } from './client-factory';
import { CredentialError } from './errors';
import { NEEDS_A_PERSON, hintFor, setLinkStatus } from './link-status';
import type { CredentialMetrics } from './metrics';
import { decideRefresh, nextAttemptAfter, type RefreshPolicy } from './refresh-policy';
import type { TokenWriter } from './token-writer';

export type RefreshOutcome = 'refreshed' | 'fresh' | 'skipped-locked' | 'needs-reauthorization' | 'failed' | 'cannot-refresh' | 'backing-off';

/** What the locked work tells the code after the lock (and, on PostgreSQL, after the commit). */
interface LockedStep {
  outcome: RefreshOutcome;
  saved?: { answeredAt: number; linkStatus: string };
}

export interface RefresherDeps {
  store: Store;
  vault: Vault;
  clients: OAuthClientFactory;
  writer: TokenWriter;
  cache: TokenCache;
  policy: RefreshPolicy;
  metrics: CredentialMetrics;
  logger: Logger;
  now: () => number;
  random: () => number;
  /** Told once per transition when the refresh path marks the link as needing re-authorization (monitoring records and announces it). */
  onNeedsReauthorization?: ((linkId: string, reason: string) => Promise<void>) | undefined;
  /** A monotonic clock in milliseconds, for durations (the persist window); `performance.now` by default. */
  monotonic?: () => number;
}

/**
 * Refresh under lock: one refresh per credential at a time in this process (callers share its
 * promise) and across replicas (the store's lock, with a re-read after taking it, so a refresh
 * another replica just finished is not repeated); then the consequences of failure: back-off, or
 * "needs re-authorization", and the link's status.
 */
export class Refresher {
  private readonly inFlight = new Map<string, Promise<RefreshOutcome>>();

  private readonly monotonic: () => number;

  constructor(private readonly deps: RefresherDeps) {
    this.monotonic = deps.monotonic ?? (() => performance.now());
  }

  /** Refreshes one credential if it needs it. */
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
      const step: LockedStep = result.acquired ? result.value : { outcome: 'skipped-locked' };
      if (step.saved !== undefined) {
        // withLock has returned, so the new tokens are committed: the window a crash could lose
        // a spent refresh token in ends here (issue 11.14; measured by applinks_token_persist_seconds).
        this.deps.metrics.persistWindow.observe((this.monotonic() - step.saved.answeredAt) / 1000);
        // Only now the link's status, which nothing about the grant depends on.
        if (step.saved.linkStatus !== 'connected') {
          await setLinkStatus(this.deps.store, linkId, 'connected', null, this.deps.now()).catch((error: unknown) => {
            // The tokens are saved: a status write that fails is logged, not reported as a failed refresh.
            this.deps.logger.warn({ err: error, linkId }, 'refreshed, but the link status was not updated');
          });
        }
      }
      this.deps.metrics.refreshes.inc({ outcome: step.outcome });
      return step.outcome;
    } catch (error) {
      this.deps.metrics.refreshes.inc({ outcome: 'failed' });
      this.deps.logger.error({ err: error, linkId }, 'refresh failed unexpectedly');
      return 'failed';
    }
  }

  private async refreshHoldingLock(linkId: string, subject: string, access: TokenAccess): Promise<LockedStep> {
    const current = await access.get(linkId, subject);
    if (current === undefined) return { outcome: 'cannot-refresh' };
    const link = await this.deps.store.links.get(linkId);
    if (link === undefined) return { outcome: 'cannot-refresh' };
    const canReissue = link.outgoing.grantType === 'client_credentials';
    const decision = decideRefresh(current.record, this.deps.now(), canReissue);
    if (!decision.refresh) {
      // Someone else refreshed while we waited for the lock: make sure our view is theirs.
      if (decision.reason === 'fresh') await this.deps.writer.remember(current);
      return { outcome: decision.reason };
    }
    const owner = tokenOwnerId(linkId, subject);
    let refreshToken: string | null;
    let tokens: TokenSet;
    try {
      // Inside the try: a refresh token or client secret that does not decrypt is a failed renewal
      // like any other (recorded, backed off, shown on the link), not an unexpected error retried
      // on every read.
      refreshToken = current.refreshToken === null ? null : await this.deps.vault.open(owner, REFRESH_TOKEN_FIELD, current.refreshToken);
      const client = await this.deps.clients.clientFor(link);
      tokens = refreshToken !== null ? await client.refresh(refreshToken, { scopes: current.record.scopes }) : await client.clientCredentials();
    } catch (error) {
      return { outcome: await this.recordFailure(link, current, access, error) };
    }
    // From here to the commit the old refresh token is spent at the provider and the new one
    // exists only in this process: nothing but sealing and the write may happen in between.
    const answeredAt = this.monotonic();
    await this.deps.writer.save(access, link, subject, tokens, refreshToken);
    return { outcome: 'refreshed', saved: { answeredAt, linkStatus: link.status } };
  }

  private async recordFailure(link: LinkRecord, current: StoredToken, access: TokenAccess, error: unknown): Promise<RefreshOutcome> {
    const now = this.deps.now();
    const code = error instanceof OAuthError || error instanceof CredentialError || error instanceof VaultError ? error.code : 'INTERNAL';
    const key = credentialKey(link.id, current.record.subject);
    // invalid_grant: the refresh token is spent, revoked or expired. Retrying cannot help and,
    // with rotating tokens, could make things worse; a person must authorize again.
    if (code === 'INVALID_GRANT') {
      const record: TokenRecord = { ...current.record, state: 'needs-reauthorization', lastErrorCode: code, nextAttemptAt: null, updatedAt: new Date(now).toISOString() };
      await access.saveRecord(record);
      this.deps.cache.delete(key);
      this.deps.logger.warn({ linkId: link.id, providerError: error instanceof OAuthError ? error.providerError : undefined }, 'refresh token refused: the link needs re-authorization');
      const reason = 'The remote refused the refresh token (invalid_grant): authorize the link again.';
      if (current.record.subject === '' && (await setLinkStatus(this.deps.store, link.id, 'needs-reauthorization', reason, now))) {
        await this.deps.onNeedsReauthorization?.(link.id, reason).catch((error: unknown) => this.deps.logger.warn({ err: error, linkId: link.id }, 'the re-authorization transition was not recorded'));
      }
      return 'needs-reauthorization';
    }
    const failures = current.record.failureCount + 1;
    const record: TokenRecord = {
      ...current.record,
      failureCount: failures,
      nextAttemptAt: new Date(nextAttemptAfter(failures, now, this.deps.policy, this.deps.random, Date.parse(current.record.expiresAt))).toISOString(),
      lastErrorCode: code,
      updatedAt: new Date(now).toISOString(),
    };
    await access.saveRecord(record);
    // Until the back-off ends, reads serve the current token (while valid) without trying again.
    const cached = this.deps.cache.get(key);
    if (cached !== undefined && record.nextAttemptAt !== null) this.deps.cache.set(key, { ...cached, refreshAt: Date.parse(record.nextAttemptAt) });
    this.deps.logger.warn(
      { linkId: link.id, code, failures, nextAttemptAt: record.nextAttemptAt, providerError: error instanceof OAuthError ? error.providerError : undefined },
      'refresh failed; backing off',
    );
    // Retrying goes on, but the admin page should not say "connected" when a person must change the
    // configuration, or when the link has no usable token left.
    if (current.record.subject === '' && (NEEDS_A_PERSON.has(code) || now >= Date.parse(current.record.expiresAt))) {
      await setLinkStatus(this.deps.store, link.id, 'failing', `Renewing the access token failed with ${code}. ${hintFor(code)}`.trim(), now);
    }
    return 'failed';
  }
}
