import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { HttpError } from './errors';

export type PrincipalKind = 'operator' | 'forge' | 'consumer';

export interface Principal {
  kind: PrincipalKind;
  /** Who, for audit logs: never a credential. */
  id: string;
  /** For consumers: the links whose tokens it may read. */
  linkIds?: readonly string[];
  /**
   * For the Forge channel: the Atlassian account that invoked the app (the verified token's
   * `principal`), null when Forge named none. The only source of a per-user credential's owner.
   */
  accountId?: string | null;
}

/**
 * One authenticator per kind of caller. Each looks at the request and either says "not mine"
 * (undefined), accepts it, or rejects it with an HttpError; the first that accepts wins.
 */
export type Authenticator = (request: FastifyRequest, bearer: string) => Promise<Principal | undefined>;

/**
 * `Authorization: Bearer <token68>` (RFC 6750 section 2.1). The scheme name is case-insensitive
 * (RFC 7235 section 2.1: `bearer` and `BEARER` are Bearer) and one or more spaces may follow it;
 * the token itself is compared exactly.
 */
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

export function bearerToken(request: Pick<FastifyRequest, 'headers'>): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  return BEARER.exec(header.trim())?.[1];
}

/** Compares two secrets in constant time, whatever their lengths (digests first). */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** The operator's authenticator, or none when CONNECTOR_ADMIN_TOKEN is unset (the operator API is off). */
export function operatorAuthenticator(adminToken: string | undefined): Authenticator | undefined {
  if (adminToken === undefined) return undefined;
  return async (_request, bearer) => (secretsEqual(bearer, adminToken) ? { kind: 'operator', id: 'operator' } : undefined);
}

/**
 * The authentication of one route: bound once, when the route is registered, to the kinds it
 * allows (the token read is the hottest path, and choosing the authenticators per request showed).
 */
export function createAuthenticate(authenticators: Partial<Record<PrincipalKind, Authenticator>>) {
  return (allowed: readonly PrincipalKind[]): ((request: FastifyRequest) => Promise<Principal>) => {
    const usable = allowed.flatMap((kind) => authenticators[kind] ?? []);
    // Nobody could ever call this route as configured: say what to switch on rather than 401.
    if (usable.length === 0) return () => Promise.reject(new HttpError('OPERATOR_API_DISABLED'));
    return async (request) => {
      const bearer = bearerToken(request);
      if (bearer === undefined) throw new HttpError('UNAUTHENTICATED', 'Send a bearer token in the Authorization header.');
      for (const authenticator of usable) {
        const principal = await authenticator(request, bearer);
        if (principal !== undefined) return principal;
      }
      throw new HttpError('UNAUTHENTICATED', 'The bearer token is not valid for this endpoint.');
    };
  };
}
