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
  /**
   * Before the Custom Entity Store: which link an incoming client ID belonged to, written by plain
   * overwrite. Read once by the sweep (`incoming-sweep.ts`), then deleted.
   */
  legacyIncomingClient: (clientId: string) => `incoming-client:${clientId}`,
  legacyIncomingClientPrefix: 'incoming-client:',
  /** When an incoming client last obtained tokens (metadata only; written without conditions). */
  incomingClientUsed: (clientId: string) => `incoming-client-used:${clientId}`,
  /** Set once the legacy incoming clients have been swept. */
  incomingSweepDone: 'migration:incoming-clients-swept',
  /** How far the audit log has taken in the connector's status transitions (`transition-audit.ts`). */
  transitionCursor: 'health-transitions:cursor',
  /** An issued token, by the SHA-256 of its value: the value itself is never stored. */
  token: (digest: string) => `oauth-token:${digest}`,
  /** An authorization request waiting for consent, by the SHA-256 of its id (10 minutes). */
  pendingAuthorization: (digest: string) => `oauth-pending:${digest}`,
  /** An authorization code, by the SHA-256 of its value (10 minutes, single use). */
  authorizationCode: (digest: string) => `oauth-code:${digest}`,
  /** What the remote last did with a link's incoming credentials (token, gateway call): shown to admins. */
  incomingActivity: (linkId: string, kind: 'token' | 'gateway') => `incoming-activity:${linkId}:${kind}`,
  /** Calls through the gateway in the current minute, per client (rate limit). */
  gatewayWindow: (clientId: string, minute: number) => `gateway-rate:${clientId}:${minute}`,
  /** A refresh-token family, revoked as a whole when a rotated refresh token is used again. */
  tokenFamily: (familyId: string) => `oauth-token-family:${familyId}`,
} as const;

/** Keys in kvs's encrypted store (`kvs.setSecret`). */
export const SECRET_KEYS = {
  /**
   * The salted hash of an incoming client secret; the secret itself is shown once and never stored.
   * Each issued secret has its own key (`secretId`, named by the client entity), so a writer that
   * loses a race can never overwrite the hash of the secret that won.
   */
  incomingSecretHash: (clientId: string, secretId: string) => `incoming-secret:${clientId}:${secretId}`,
  /** Before the Custom Entity Store: one hash per client ID, overwritten on re-issue. */
  legacyIncomingSecretHash: (clientId: string) => `incoming-secret:${clientId}`,
} as const;
