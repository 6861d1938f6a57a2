import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { CLOUD_INCOMING_SCOPES, CloudIncomingScopeSchema, impliedCloudScopes, type CloudIncomingScope } from '../../contract';
import type { Logger } from '../logger';
import type { KeyValueStore } from '../storage/key-value-store';
import { KEYS } from '../storage/keys';
import type { IncomingClient, IncomingClients } from './incoming-clients';
import { OAuthEndpointError } from './oauth-error';
import { randomToken, tokenDigest } from './secret-hash';

/** As Data Center does: access tokens live an hour, refresh tokens 90 days and rotate on every use. */
export const ACCESS_TOKEN_SECONDS = 3600;
export const REFRESH_TOKEN_SECONDS = 90 * 86400;

const TokenRecordSchema = z.object({
  kind: z.enum(['access', 'refresh']),
  clientId: z.string(),
  linkId: z.string(),
  generation: z.number().int(),
  scopes: z.array(CloudIncomingScopeSchema),
  /** Every token descended from one client-credentials grant; revoked together on refresh-token reuse. */
  familyId: z.string(),
  issuedAt: z.string(),
  expiresAt: z.string(),
  /** Set when a refresh token has been exchanged; a second exchange is a replay. */
  consumedAt: z.string().nullable(),
  /** The account that consented, for tokens from an authorization code; null for client credentials. */
  subject: z.string().optional(),
});
type TokenRecord = z.infer<typeof TokenRecordSchema>;

// Equivalent mutant (Stryker): emptying this schema, since only revokeFamily writes the key and a missing
// value fails either schema.
const FamilySchema = z.object({ revokedAt: z.string(), reason: z.string() });

/** RFC 6749 section 5.1. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  scope: string;
}

export type AccessCheck =
  | { valid: true; clientId: string; linkId: string; scopes: CloudIncomingScope[]; expiresAt: string; subject?: string }
  | { valid: false; reason: 'unknown' | 'expired' | 'revoked' };

/**
 * Opaque tokens for the incoming credentials. Only the SHA-256 of a token is stored (as the key),
 * with a TTL; expiry is also checked here because kvs may remove expired values late.
 */
export class TokenService {
  constructor(
    private readonly deps: { store: KeyValueStore; clients: IncomingClients; now: () => Date; logger: Logger; newId?: () => string },
  ) {}

  /**
   * Issues an access token and a refresh token.
   *
   * RFC 6749 section 4.4.3 says a client-credentials response SHOULD NOT carry a refresh token. We
   * issue one anyway: the remote's outgoing link refreshes like any Data Center client does, and a
   * refresh token lets it do so without sending its client secret every hour.
   */
  async issue(client: IncomingClient, scopes: CloudIncomingScope[], familyId: string = (this.deps.newId ?? randomUUID)(), subject: string | null = null): Promise<TokenResponse> {
    const now = this.deps.now();
    const access = randomToken();
    const refresh = randomToken();
    const base = { clientId: client.clientId, linkId: client.linkId, generation: client.generation, scopes, familyId, issuedAt: now.toISOString(), consumedAt: null, ...(subject === null ? {} : { subject }) };
    await this.deps.store.set(KEYS.token(tokenDigest(access)), { ...base, kind: 'access', expiresAt: after(now, ACCESS_TOKEN_SECONDS) }, { ttlSeconds: ACCESS_TOKEN_SECONDS });
    await this.deps.store.set(KEYS.token(tokenDigest(refresh)), { ...base, kind: 'refresh', expiresAt: after(now, REFRESH_TOKEN_SECONDS) }, { ttlSeconds: REFRESH_TOKEN_SECONDS });
    return { access_token: access, token_type: 'Bearer', expires_in: ACCESS_TOKEN_SECONDS, refresh_token: refresh, scope: scopes.join(' ') };
  }

  /** The scopes a request may have: all asked for must be granted (a granted scope implies lower ones). */
  scopesFor(granted: readonly CloudIncomingScope[], requested: string | undefined): CloudIncomingScope[] {
    if (requested === undefined || requested.trim() === '') return [...granted];
    const allowed = impliedCloudScopes(granted);
    const asked = [...new Set(requested.split(' ').filter((s) => s !== ''))];
    const refused = asked.filter((s) => !allowed.has(s as CloudIncomingScope));
    if (refused.length > 0) throw new OAuthEndpointError('invalid_scope', `These scopes are not granted to this client: ${refused.join(', ')}.`);
    return asked as CloudIncomingScope[];
  }

  /** RFC 6749 section 6, with rotation: the refresh token is consumed, and a replay revokes its family. */
  async refresh(client: IncomingClient, refreshToken: string, requestedScope: string | undefined): Promise<TokenResponse> {
    const key = KEYS.token(tokenDigest(refreshToken));
    const record = await this.read(key);
    const now = this.deps.now();
    if (record === undefined || record.kind !== 'refresh' || expired(record, now)) throw invalidGrant();
    // A refresh token is bound to the client it was issued to (section 10.4).
    if (record.clientId !== client.clientId || record.generation !== client.generation) throw invalidGrant();
    if (await this.familyRevoked(record.familyId)) throw invalidGrant();
    const scopes = this.scopesFor(narrowed(record.scopes, client.scopes), requestedScope);

    // Consume with a swap: of two concurrent exchanges of one token, exactly one sees it unconsumed.
    const replaced = TokenRecordSchema.safeParse(await this.deps.store.swap(key, { ...record, consumedAt: now.toISOString() }, { ttlSeconds: secondsLeft(record, now) }));
    if (!replaced.success) throw invalidGrant();
    if (replaced.data.consumedAt !== null) {
      await this.revokeFamily(record.familyId, 'refresh token reused');
      this.deps.logger.warn('A rotated refresh token was presented again; its token family is revoked', { clientId: client.clientId, linkId: client.linkId, familyId: record.familyId });
      throw new OAuthEndpointError('invalid_grant', 'The refresh token was already used. Every token issued from it has been revoked: get new tokens with the client credentials.');
    }
    return this.issue(client, scopes, record.familyId, record.subject ?? null);
  }

  /**
   * RFC 7009: revokes a token this client holds. A refresh token takes its whole family with it
   * (section 2.1: the access tokens of the same grant too); an access token goes alone. Unknown
   * tokens are not an error (section 2.2); another client's token is refused and left alone.
   */
  async revoke(client: IncomingClient, token: string): Promise<'revoked' | 'unknown' | 'other-client'> {
    const key = KEYS.token(tokenDigest(token));
    const record = await this.read(key);
    if (record === undefined) return 'unknown';
    if (record.clientId !== client.clientId) return 'other-client';
    if (record.kind === 'refresh') await this.revokeFamily(record.familyId, 'revoked by the client');
    else await this.deps.store.delete(key);
    return 'revoked';
  }

  /** Whether a bearer token may call the ping API (or any API this site serves to remotes). */
  async checkAccess(token: string): Promise<AccessCheck> {
    const record = await this.read(KEYS.token(tokenDigest(token)));
    if (record === undefined || record.kind !== 'access') return { valid: false, reason: 'unknown' };
    if (expired(record, this.deps.now())) return { valid: false, reason: 'expired' };
    const client = await this.deps.clients.find(record.clientId);
    if (client === undefined || client.generation !== record.generation || client.linkId !== record.linkId) return { valid: false, reason: 'revoked' };
    if (await this.familyRevoked(record.familyId)) return { valid: false, reason: 'revoked' };
    // The grant's current scopes, not the ones at minting: narrowing a link narrows its live tokens.
    const scopes = currentScopes(record.scopes, client.scopes);
    if (scopes.length === 0) return { valid: false, reason: 'revoked' };
    return { valid: true, clientId: record.clientId, linkId: record.linkId, scopes, expiresAt: record.expiresAt, ...(record.subject === undefined ? {} : { subject: record.subject }) };
  }

  private async read(key: string): Promise<TokenRecord | undefined> {
    const value = await this.deps.store.get(key);
    // Equivalent mutant (Stryker): dropping this line, since the schema refuses undefined too.
    if (value === undefined) return undefined;
    const parsed = TokenRecordSchema.safeParse(value);
    return parsed.success ? parsed.data : undefined;
  }

  private async familyRevoked(familyId: string): Promise<boolean> {
    return FamilySchema.safeParse(await this.deps.store.get(KEYS.tokenFamily(familyId))).success;
  }

  /** Revokes every token of a family (a reused refresh token, a replayed code, a revocation). */
  async revokeFamily(familyId: string, reason: string): Promise<void> {
    await this.deps.store.set(KEYS.tokenFamily(familyId), { revokedAt: this.deps.now().toISOString(), reason }, { ttlSeconds: REFRESH_TOKEN_SECONDS });
  }
}

/**
 * The scopes a refresh may carry: the original ones, cut down to what the client is granted now
 * (the admin may have narrowed the grant since). A cut-down `ADMIN` becomes what is still granted
 * below it on the ladder.
 */
function narrowed(original: readonly CloudIncomingScope[], granted: readonly CloudIncomingScope[]): CloudIncomingScope[] {
  const allowed = impliedCloudScopes(granted);
  if (original.every((scope) => allowed.has(scope))) return [...original];
  const implied = impliedCloudScopes(original);
  const kept = CLOUD_INCOMING_SCOPES.map((s) => s.name as CloudIncomingScope).filter((scope) => implied.has(scope) && allowed.has(scope));
  if (kept.length === 0) throw new OAuthEndpointError('invalid_scope', 'None of the scopes of this refresh token is granted to the client any more.');
  return kept;
}

/** What a token minted with `original` may still do now that the client holds `granted` (nothing, when none is left). */
function currentScopes(original: readonly CloudIncomingScope[], granted: readonly CloudIncomingScope[]): CloudIncomingScope[] {
  try {
    return narrowed(original, granted);
  } catch {
    return [];
  }
}

const invalidGrant = () => new OAuthEndpointError('invalid_grant', 'The refresh token is invalid, expired, revoked, or was issued to another client.');
const after = (now: Date, seconds: number) => new Date(now.getTime() + seconds * 1000).toISOString();
const expired = (record: TokenRecord, now: Date) => Date.parse(record.expiresAt) <= now.getTime();
const secondsLeft = (record: TokenRecord, now: Date) => Math.max(1, Math.ceil((Date.parse(record.expiresAt) - now.getTime()) / 1000));
