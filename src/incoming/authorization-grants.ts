import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { CloudIncomingScopeSchema } from '../../contract';
import type { KeyValueStore } from '../storage/key-value-store';
import { KEYS } from '../storage/keys';
import { randomToken, tokenDigest } from './secret-hash';

/** RFC 6749 section 4.1.2 recommends 10 minutes at most for a code; a consent screen left open as long. */
export const PENDING_SECONDS = 600;
export const CODE_SECONDS = 600;

/** What an authorization request asked for, checked, while it waits for a signed-in account to consent. */
const PendingSchema = z.object({
  clientId: z.string(),
  linkId: z.string(),
  generation: z.number().int(),
  redirectUri: z.string(),
  scopes: z.array(CloudIncomingScopeSchema),
  state: z.string(),
  codeChallenge: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
});
export type PendingAuthorization = z.infer<typeof PendingSchema>;

const CodeSchema = PendingSchema.omit({ state: true, createdAt: true }).extend({
  /** The account that consented (the resolver's principal). */
  accountId: z.string(),
  /** The token family the code's tokens join: a replayed code revokes it. */
  familyId: z.string(),
  issuedAt: z.string(),
  consumedAt: z.string().nullable(),
});
export type AuthorizationCode = z.infer<typeof CodeSchema>;

/**
 * Pending authorization requests and authorization codes, in kvs by the SHA-256 of their value:
 * the id and the code travel through the browser and are never stored. Both expire after ten
 * minutes (a TTL, and a check here since kvs removes expired values late).
 */
export class AuthorizationGrants {
  constructor(private readonly deps: { store: KeyValueStore; now: () => Date; newId?: () => string }) {}

  async createPending(request: Omit<PendingAuthorization, 'createdAt' | 'expiresAt'>): Promise<{ requestId: string; expiresAt: string }> {
    const requestId = randomToken();
    const now = this.deps.now();
    const expiresAt = after(now, PENDING_SECONDS);
    await this.deps.store.set(KEYS.pendingAuthorization(tokenDigest(requestId)), { ...request, createdAt: now.toISOString(), expiresAt }, { ttlSeconds: PENDING_SECONDS });
    return { requestId, expiresAt };
  }

  async pending(requestId: string): Promise<PendingAuthorization | undefined> {
    if (!TOKEN_SHAPE.test(requestId)) return undefined;
    const parsed = PendingSchema.safeParse(await this.deps.store.get(KEYS.pendingAuthorization(tokenDigest(requestId))));
    if (!parsed.success || Date.parse(parsed.data.expiresAt) <= this.deps.now().getTime()) return undefined;
    return parsed.data;
  }

  /**
   * Takes the pending request out (a decision is made once): answers it only to the first of two
   * concurrent decisions, through kvs's atomic swap.
   */
  async takePending(requestId: string): Promise<PendingAuthorization | undefined> {
    if (!TOKEN_SHAPE.test(requestId)) return undefined;
    const key = KEYS.pendingAuthorization(tokenDigest(requestId));
    const previous = PendingSchema.safeParse(await this.deps.store.swap(key, { taken: true }, { ttlSeconds: PENDING_SECONDS }));
    if (!previous.success || Date.parse(previous.data.expiresAt) <= this.deps.now().getTime()) return undefined;
    return previous.data;
  }

  async issueCode(pending: PendingAuthorization, accountId: string): Promise<string> {
    const code = randomToken();
    const now = this.deps.now();
    const { state: _state, createdAt: _createdAt, ...rest } = pending;
    const record: AuthorizationCode = { ...rest, accountId, familyId: (this.deps.newId ?? randomUUID)(), issuedAt: now.toISOString(), expiresAt: after(now, CODE_SECONDS), consumedAt: null };
    await this.deps.store.set(KEYS.authorizationCode(tokenDigest(code)), record, { ttlSeconds: CODE_SECONDS });
    return code;
  }

  async code(code: string): Promise<AuthorizationCode | undefined> {
    if (!TOKEN_SHAPE.test(code)) return undefined;
    const parsed = CodeSchema.safeParse(await this.deps.store.get(KEYS.authorizationCode(tokenDigest(code))));
    return parsed.success ? parsed.data : undefined;
  }

  /** Marks the code used; answers what it was before, so that of two concurrent redemptions one sees it unused. */
  async consumeCode(code: string, record: AuthorizationCode): Promise<AuthorizationCode | undefined> {
    const now = this.deps.now();
    const left = Math.max(1, Math.ceil((Date.parse(record.expiresAt) - now.getTime()) / 1000));
    const previous = CodeSchema.safeParse(await this.deps.store.swap(KEYS.authorizationCode(tokenDigest(code)), { ...record, consumedAt: now.toISOString() }, { ttlSeconds: left }));
    return previous.success ? previous.data : undefined;
  }

  isExpired(record: { expiresAt: string }): boolean {
    return Date.parse(record.expiresAt) <= this.deps.now().getTime();
  }
}

/** Ids and codes this app makes: 32 random bytes, base64url. Anything else is not looked up. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** RFC 7636 section 4.1: 43 to 128 unreserved characters. */
export const CODE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
/** RFC 7636 section 4.2: BASE64URL(SHA256(verifier)), 43 characters. */
export const CODE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** RFC 7636 section 4.6, S256 only; constant time in the verifier. */
export function verifierMatches(verifier: string, challenge: string): boolean {
  const expected = Buffer.from(challenge, 'utf8');
  const actual = Buffer.from(createHash('sha256').update(verifier, 'ascii').digest('base64url'), 'utf8');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

const after = (now: Date, seconds: number) => new Date(now.getTime() + seconds * 1000).toISOString();
