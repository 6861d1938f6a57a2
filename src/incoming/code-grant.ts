import type { Logger } from '../logger';
import { CODE_VERIFIER, verifierMatches, type AuthorizationGrants } from './authorization-grants';
import type { IncomingClient } from './incoming-clients';
import { OAuthEndpointError } from './oauth-error';
import type { TokenRequestParams } from './token-request';
import type { TokenResponse, TokenService } from './token-service';

/**
 * The authorization code grant at the token endpoint (RFC 6749 section 4.1.3, RFC 7636 section
 * 4.6), checks in order: the code is known and unexpired, was issued to this client at its current
 * generation, was not redeemed before (a second redemption revokes every token the first one
 * issued, RFC 6749 section 4.1.2), the redirect URI is the one of the request, and the verifier
 * hashes to the challenge. Only then is the code consumed, with an atomic swap, so of two
 * concurrent redemptions one wins and the other revokes.
 */
export async function redeemCode(
  deps: { grants: AuthorizationGrants; tokens: TokenService; logger: Logger },
  client: IncomingClient,
  params: TokenRequestParams,
): Promise<TokenResponse> {
  const code = params.get('code');
  if (code === undefined) throw new OAuthEndpointError('invalid_request', 'code is required.');
  const record = await deps.grants.code(code);
  if (record === undefined || deps.grants.isExpired(record)) throw new OAuthEndpointError('invalid_grant', 'The authorization code is invalid or expired.');
  if (record.clientId !== client.clientId || record.generation !== client.generation) throw new OAuthEndpointError('invalid_grant', 'The authorization code was issued to another client.');
  if (record.consumedAt !== null) return replayed(deps, client, record.familyId);
  if (params.get('redirect_uri') !== record.redirectUri) throw new OAuthEndpointError('invalid_grant', 'redirect_uri differs from the one of the authorization request.');
  const verifier = params.get('code_verifier');
  if (verifier === undefined) throw new OAuthEndpointError('invalid_grant', 'code_verifier is required (PKCE).');
  if (!CODE_VERIFIER.test(verifier) || !verifierMatches(verifier, record.codeChallenge)) throw new OAuthEndpointError('invalid_grant', 'The code_verifier does not match the code_challenge.');
  const previous = await deps.grants.consumeCode(code, record);
  if (previous === undefined) throw new OAuthEndpointError('invalid_grant', 'The authorization code is invalid or expired.');
  if (previous.consumedAt !== null) return replayed(deps, client, record.familyId);
  // The scopes consented to, cut to what the client holds now (an admin may have narrowed it since).
  const scopes = deps.tokens.scopesFor(client.scopes, record.scopes.join(' '));
  return deps.tokens.issue(client, scopes, record.familyId, record.accountId);
}

async function replayed(deps: { tokens: TokenService; logger: Logger }, client: IncomingClient, familyId: string): Promise<never> {
  await deps.tokens.revokeFamily(familyId, 'authorization code reused');
  deps.logger.warn('An authorization code was redeemed twice; the tokens it issued are revoked', { clientId: client.clientId, linkId: client.linkId, familyId });
  throw new OAuthEndpointError('invalid_grant', 'The authorization code was already used. The tokens issued from it have been revoked.');
}
