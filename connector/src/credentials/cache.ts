/** What the connector serves to consumers, kept in memory after one decrypt. */
export interface CachedToken {
  accessToken: string;
  tokenType: string;
  scopes: string[];
  expiresAt: number;
  refreshAt: number;
  state: 'valid' | 'needs-reauthorization';
  hasRefreshToken: boolean;
  /** The answer consumers get, built once per token rather than once per read. */
  served: { accessToken: string; tokenType: string; expiresAt: string; scopes: string[] };
}

export const credentialKey = (linkId: string, subject: string): string => `${linkId}\u0000${subject}`;

/**
 * The in-memory view of valid tokens. Entries are dropped when any process saves the credential
 * (the store's change feed), so a refresh on one replica is seen by all of them; the next read
 * decrypts the new token once. Bounded: the oldest entries go first when it is full.
 */
export class TokenCache {
  private readonly entries = new Map<string, CachedToken>();

  constructor(private readonly maxEntries = 200_000) {}

  get(key: string): CachedToken | undefined {
    return this.entries.get(key);
  }

  set(key: string, token: CachedToken): void {
    if (!this.entries.has(key) && this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(key, token);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  deleteLink(linkId: string): void {
    const prefix = `${linkId}\u0000`;
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Builds a cache entry, with the consumer's answer prepared once. */
export function cachedToken(fields: Omit<CachedToken, 'served'>): CachedToken {
  return {
    ...fields,
    served: { accessToken: fields.accessToken, tokenType: fields.tokenType, expiresAt: new Date(fields.expiresAt).toISOString(), scopes: fields.scopes },
  };
}
