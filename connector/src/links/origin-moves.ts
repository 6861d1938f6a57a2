import type { LinkRecord } from '../storage/store';
import { originOf } from './secret-binding';

/**
 * Where a link's secret and tokens may go after an edit: a client secret is sent only to the
 * origin it was entered for, and tokens only where they were obtained (issue 11.2).
 */

/**
 * Whether the stored tokens belong to an authorization the link no longer has: another token
 * endpoint (the remote moved, or it is another server: its refresh token must not be sent there),
 * another client, or another kind of authentication (one account vs a token per user).
 */
export function tokensCannotFollow(current: LinkRecord, next: LinkRecord): boolean {
  return (
    next.outgoing.tokenEndpoint !== current.outgoing.tokenEndpoint ||
    next.outgoing.clientId !== current.outgoing.clientId ||
    next.authKind !== current.authKind ||
    apiOriginMoves(current, next)
  );
}

/**
 * Whether access tokens would go to another origin: test connection sends them to the API probe
 * URL (or the application's own URL). Tokens are sent only where they were obtained for (issue
 * 11.2), so such a change drops them and asks for a new authorization.
 */
export function apiOriginMoves(current: LinkRecord, next: LinkRecord): boolean {
  const apiOrigin = (r: LinkRecord) => originOf(r.outgoing.apiProbeUrl ?? r.applicationUrl);
  return apiOrigin(current) !== apiOrigin(next) || originOf(current.applicationUrl) !== originOf(next.applicationUrl);
}

/** Whether the token endpoint (where the client secret is sent) moves to another origin; a first endpoint is no move. */
export function tokenOriginMoves(current: LinkRecord, next: LinkRecord): boolean {
  const before = originOf(current.outgoing.tokenEndpoint);
  const after = originOf(next.outgoing.tokenEndpoint);
  return before !== null && after !== null && before !== after;
}
