import type { CredentialRevocation } from '../../../contract';

/** What the remote said when a user's tokens were revoked before they were deleted. */
export type RevocationOutcome = 'revoked' | 'no-endpoint' | 'unreachable' | 'refused' | 'nothing-to-revoke';

/** Revokes one credential's tokens at the remote (RFC 7009) and says, in one word, what the remote did. */
export type RevokeCredential = (linkId: string, subject: string) => Promise<RevocationOutcome>;

/** Errors that mean the remote was not reached (or did not answer), as opposed to refusing. */
const UNREACHED = new Set(['DNS_FAILED', 'CONNECTION_REFUSED', 'CONNECT_TIMEOUT', 'TIMEOUT', 'TLS_CERT_EXPIRED', 'TLS_CERT_UNTRUSTED', 'TLS_HOSTNAME_MISMATCH', 'TLS_FAILED', 'HOST_NOT_ALLOWED', 'TOKEN_ENDPOINT_ERROR', 'HTTP_FAILED', 'NOT_ATTEMPTED']);

/**
 * A user's Disconnect revokes through `CredentialRevoker.revokeCredential` (credentials/revoke.ts:
 * the outbound policy, time limits, refresh token first, tokens deleted here whatever the remote
 * answers), and the users' page gets the outcome of the worst token: unreachable over refused over
 * unsupported.
 */
export function revocationOutcomeOf(result: CredentialRevocation): RevocationOutcome {
  if (result.tokens.length === 0) return 'nothing-to-revoke';
  // The connector does not send the client secret to a revocation endpoint on another origin than
  // the token endpoint: for this link there is no endpoint it will use.
  if (result.tokens.every((t) => t.outcome === 'not-supported' || t.code === 'REVOCATION_ORIGIN_DIFFERS')) return 'no-endpoint';
  const failed = result.tokens.filter((t) => t.outcome === 'failed');
  if (failed.some((t) => UNREACHED.has(t.code ?? ''))) return 'unreachable';
  if (failed.length > 0) return 'refused';
  if (result.tokens.some((t) => t.outcome === 'not-supported')) return 'no-endpoint';
  return 'revoked';
}
