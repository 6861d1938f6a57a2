import type { Store } from '../storage/store';
import { credentialKey, type CachedToken, type TokenCache } from './cache';
import { CredentialError } from './errors';
import { hintFor } from './link-status';
import type { RefreshOutcome, Refresher } from './refresh';
import type { TokenWriter } from './token-writer';

export interface ServedToken {
  accessToken: string;
  tokenType: string;
  expiresAt: string;
  scopes: string[];
}

export interface TokenServerDeps {
  store: Store;
  cache: TokenCache;
  writer: TokenWriter;
  refresher: Refresher;
  now: () => number;
}

/** Serving consumers: from memory after one decrypt, refreshing when the token is due. */
export class TokenServer {
  constructor(private readonly deps: TokenServerDeps) {}

  /**
   * A valid access token for a consumer. A token that has not expired is served at once, from
   * memory; when it is due, a refresh starts in the background (callers share it). Only an
   * expired token makes the caller wait for the refresh, and a token at or past its expiry is
   * never served: the answer is then TOKEN_UNAVAILABLE with the last renewal's code, its hint and
   * when the next attempt is due.
   */
  async getAccessToken(linkId: string, subject: string): Promise<ServedToken> {
    const { cache, writer, refresher } = this.deps;
    const key = credentialKey(linkId, subject);
    let cached = cache.get(key);
    if (cached === undefined) {
      cached = await writer.load(linkId, subject);
      if (cached === undefined) throw new CredentialError('NOT_AUTHORIZED', 'The link has no token yet: authorize it first.');
    }
    if (cached.state === 'needs-reauthorization') throw new CredentialError('NEEDS_REAUTHORIZATION', 'The link needs to be authorized again.');
    const now = this.deps.now();
    if (now < cached.expiresAt) {
      // Refresh failures are recorded by the refresher (and never reject); nobody waits for this one.
      if (now >= cached.refreshAt) void refresher.refresh(linkId, subject, { wait: true });
      return serve(cached);
    }
    const outcome = await refresher.refresh(linkId, subject, { wait: true });
    const after = cache.get(key) ?? (await writer.load(linkId, subject));
    if (after !== undefined && after.state === 'needs-reauthorization') throw new CredentialError('NEEDS_REAUTHORIZATION', 'The link needs to be authorized again.');
    // Judged on the clock after the wait: the refresh may have taken long enough for a token to run out.
    if (after !== undefined && this.deps.now() < after.expiresAt) return serve(after);
    const record = (await this.deps.store.tokens.get(linkId, subject))?.record;
    const nextAttempt = record?.nextAttemptAt == null ? undefined : Date.parse(record.nextAttemptAt);
    throw new CredentialError('TOKEN_UNAVAILABLE', unavailableMessage(outcome, record?.lastErrorCode ?? null), {
      retryAfterSeconds: retryAfterSeconds(nextAttempt, this.deps.now()),
    });
  }
}

/** Whole seconds until the next renewal attempt, at least 1; 1 when none is scheduled (the next read tries). */
export function retryAfterSeconds(nextAttemptAt: number | undefined, now: number): number {
  return nextAttemptAt === undefined ? 1 : Math.max(1, Math.ceil((nextAttemptAt - now) / 1000));
}

/** Why a consumer gets no token, with what to do about it: the renewal's error code and its hint. */
export function unavailableMessage(outcome: RefreshOutcome, lastError: string | null): string {
  const renewal = `the last renewal ${outcome === 'failed' ? 'failed' : `was ${outcome}`}${lastError === null ? '' : ` with ${lastError}`}`;
  return `No valid token: ${renewal}. ${hintFor(lastError) || "The remote's token endpoint may be unreachable."} The connector retries with back-off.`;
}

function serve(token: CachedToken): ServedToken {
  return token.served;
}
