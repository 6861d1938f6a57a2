/**
 * Every kvs key the app uses, in one place. Keys must match Forge's pattern
 * (`[a-zA-Z0-9:._\s-#]`, 500 characters at most); ids are UUIDs and hex or base64url digests,
 * which do. Prefixes end in `:` so that one never matches another (`link:` vs `link-index:`).
 */
export const KEYS = {
  /** Before the Custom Entity Store: one link's record, and the chunks of its index. Read once, by `legacy-links.ts`, then deleted. */
  legacyLinkPrefix: 'link:',
  legacyLinkIndexPrefix: 'link-index:',
  /** Audit entries, newest first: the time part counts down. */
  auditAll: (invertedTime: string, id: string) => `audit:all:${invertedTime}:${id}`,
  auditAllPrefix: 'audit:all:',
  auditOfLink: (linkId: string, invertedTime: string, id: string) => `audit:link:${linkId}:${invertedTime}:${id}`,
  auditOfLinkPrefix: (linkId: string) => `audit:link:${linkId}:`,
  /** Which link an incoming client ID belongs to. */
  incomingClient: (clientId: string) => `incoming-client:${clientId}`,
  /** An issued token, by the SHA-256 of its value: the value itself is never stored. */
  token: (digest: string) => `oauth-token:${digest}`,
  /** A refresh-token family, revoked as a whole when a rotated refresh token is used again. */
  tokenFamily: (familyId: string) => `oauth-token-family:${familyId}`,
} as const;

/** Keys in kvs's encrypted store (`kvs.setSecret`). */
export const SECRET_KEYS = {
  /** The salted hash of an incoming client secret; the secret itself is shown once and never stored. */
  incomingSecretHash: (clientId: string) => `incoming-secret:${clientId}`,
} as const;
