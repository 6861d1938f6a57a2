import { OAuthError } from '../oauth';
import { ACCESS_TOKEN_FIELD, REFRESH_TOKEN_FIELD, tokenOwnerId, type Store } from '../storage/store';
import type { Vault } from '../vault/vault';
import type { OAuthClientFactory } from './client-factory';

/** What the remote said when a user's tokens were revoked before they were deleted. */
export type RevocationOutcome = 'revoked' | 'no-endpoint' | 'unreachable' | 'refused' | 'nothing-to-revoke';

/**
 * Revokes one credential's tokens at the remote (RFC 7009). A seam on purpose: the `lifecycle`
 * branch builds `credentials/revoke.ts` (`revokeCredential(linkId, subject)`, through the
 * outbound policy); when it lands, the wiring in `service.ts` passes that instead of this one.
 */
export type RevokeCredential = (linkId: string, subject: string) => Promise<RevocationOutcome>;

/** Errors that mean the remote was not reached (or did not answer), as opposed to refusing. */
const UNREACHED = new Set(['DNS_FAILED', 'CONNECTION_REFUSED', 'CONNECT_TIMEOUT', 'TIMEOUT', 'TLS_CERT_EXPIRED', 'TLS_CERT_UNTRUSTED', 'TLS_HOSTNAME_MISMATCH', 'TLS_FAILED', 'HOST_NOT_ALLOWED', 'TOKEN_ENDPOINT_ERROR']);

/**
 * For now: the existing OAuth client's `revoke`. The refresh token first (on Data Center that ends
 * the grant), then the access token; the first failure decides the outcome.
 */
export function oauthClientRevocation(deps: { store: Store; vault: Vault; clients: OAuthClientFactory }): RevokeCredential {
  return async (linkId, subject) => {
    const [link, stored] = await Promise.all([deps.store.links.get(linkId), deps.store.tokens.get(linkId, subject)]);
    if (link === undefined || stored === undefined) return 'nothing-to-revoke';
    if (link.outgoing.revocationEndpoint === null) return 'no-endpoint';
    try {
      const owner = tokenOwnerId(linkId, subject);
      const client = await deps.clients.clientFor(link);
      if (stored.refreshToken !== null) await client.revoke(await deps.vault.open(owner, REFRESH_TOKEN_FIELD, stored.refreshToken), 'refresh_token');
      await client.revoke(await deps.vault.open(owner, ACCESS_TOKEN_FIELD, stored.accessToken), 'access_token');
      return 'revoked';
    } catch (error) {
      if (error instanceof OAuthError && !UNREACHED.has(error.code)) return 'refused';
      return 'unreachable';
    }
  };
}
