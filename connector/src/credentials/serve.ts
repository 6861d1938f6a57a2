import type { Store } from '../storage/store';
import { credentialKey, type CachedToken, type TokenCache } from './cache';
import { CredentialError } from './errors';
import { hintFor } from './link-status';
import type { RefreshOutcome, Refresher } from './refresh';
import { MIN_SERVE_MS } from './refresh-policy';
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
   * A valid access token for a consumer: from memory while it is fresh; when it is due, the
   * current one is served and a refresh starts in the background; only an expired (or nearly
   * expired) token makes the caller wait for the refresh.
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
    if (now < cached.refreshAt) return serve(cached);
    if (now < cached.expiresAt - MIN_SERVE_MS) {
      void refresher.refresh(linkId, subject, { wait: true });
      return serve(cached);
    }
    const outcome = await refresher.refresh(linkId, subject, { wait: true });
    const after = cache.get(key) ?? (await writer.load(linkId, subject));
    if (after !== undefined && after.state === 'needs-reauthorization') throw new CredentialError('NEEDS_REAUTHORIZATION', 'The link needs to be authorized again.');
    if (after !== undefined && this.deps.now() < after.expiresAt) return serve(after);
    const lastError = (await this.deps.store.tokens.get(linkId, subject))?.record.lastErrorCode ?? null;
    throw new CredentialError('TOKEN_UNAVAILABLE', unavailableMessage(outcome, lastError));
  }
}

/** Why a consumer gets no token, with what to do about it: the renewal's error code and its hint. */
export function unavailableMessage(outcome: RefreshOutcome, lastError: string | null): string {
  const renewal = `the last renewal ${outcome === 'failed' ? 'failed' : `was ${outcome}`}${lastError === null ? '' : ` with ${lastError}`}`;
  return `No valid token: ${renewal}. ${hintFor(lastError) || "The remote's token endpoint may be unreachable."} The connector retries with back-off.`;
}

function serve(token: CachedToken): ServedToken {
  return token.served;
}
