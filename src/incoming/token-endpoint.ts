import { errorFields, type Logger } from '../logger';
import { jsonResponse, type WebTriggerHandler, type WebTriggerResponse } from '../webtriggers/web-trigger';
import type { AuthorizationGrants } from './authorization-grants';
import { redeemCode } from './code-grant';
import type { IncomingClients } from './incoming-clients';
import { OAuthEndpointError } from './oauth-error';
import { clientCredentials, parseTokenRequest } from './token-request';
import type { TokenService } from './token-service';

const REALM = 'OAuth 2.0 application links';

type IncomingClientRef = { clientId: string; linkId: string; generation: number };

/**
 * The cloud side's OAuth 2.0 token endpoint (RFC 6749 section 3.2), served as a web trigger: the
 * remote's outgoing link gets tokens here with the client ID and secret this site issued.
 * Grants: `authorization_code` with PKCE (section 4.1, RFC 7636), `client_credentials` (section
 * 4.4) and `refresh_token` (section 6, rotating).
 */
export function createTokenEndpoint(deps: { clients: IncomingClients; tokens: TokenService; logger: Logger; grants?: AuthorizationGrants; onIssued?: (client: IncomingClientRef, grant: string) => Promise<void> }): WebTriggerHandler {
  const issued = async (client: IncomingClientRef, grant: string): Promise<void> => {
    await deps.clients.recordUse(client.clientId);
    deps.logger.info('Issued tokens', { grant, clientId: client.clientId, linkId: client.linkId });
    // Recording what the remote did never fails a request whose tokens are already issued.
    await deps.onIssued?.(client, grant).catch((error: unknown) => deps.logger.warn('Could not record token activity', errorFields(error)));
  };
  return async (request) => {
    try {
      if (request.method.toUpperCase() !== 'POST') {
        const response = errorResponse(new OAuthEndpointError('invalid_request', 'The token endpoint accepts POST only.'));
        return { ...response, statusCode: 405, headers: { ...response.headers, Allow: ['POST'] } };
      }
      const params = parseTokenRequest(request);
      const credentials = clientCredentials(request, params);
      const client = await deps.clients.authenticate(credentials.clientId, credentials.clientSecret);
      if (client === undefined) {
        deps.logger.info('Token request with unknown client or wrong secret', { method: credentials.method });
        throw new OAuthEndpointError('invalid_client', 'Unknown client, or wrong client secret.');
      }
      const grantType = params.get('grant_type');
      if (grantType === undefined) throw new OAuthEndpointError('invalid_request', 'grant_type is required.');
      if (grantType === 'authorization_code' && deps.grants !== undefined) {
        const tokens = await redeemCode({ grants: deps.grants, tokens: deps.tokens, logger: deps.logger }, client, params);
        await issued(client, grantType);
        return jsonResponse(200, tokens);
      }
      if (grantType === 'client_credentials') {
        const scopes = deps.tokens.scopesFor(client.scopes, params.get('scope'));
        const tokens = await deps.tokens.issue(client, scopes);
        await issued(client, grantType);
        return jsonResponse(200, tokens);
      }
      if (grantType === 'refresh_token') {
        const refreshToken = params.get('refresh_token');
        if (refreshToken === undefined) throw new OAuthEndpointError('invalid_request', 'refresh_token is required.');
        const tokens = await deps.tokens.refresh(client, refreshToken, params.get('scope'));
        await issued(client, grantType);
        return jsonResponse(200, tokens);
      }
      throw new OAuthEndpointError('unsupported_grant_type', `This endpoint supports the ${deps.grants === undefined ? '' : 'authorization_code, '}client_credentials and refresh_token grants.`);
    } catch (error) {
      if (error instanceof OAuthEndpointError) return errorResponse(error);
      deps.logger.error('Token endpoint failed', errorFields(error));
      // RFC 6749 defines no 5xx error code for the token endpoint; server_error is what clients expect.
      return jsonResponse(500, { error: 'server_error', error_description: 'The token endpoint failed; try again later.' });
    }
  };
}

/**
 * RFC 6749 section 5.2: JSON `{error, error_description}`. Client authentication failures are 401
 * with a challenge naming Basic, the scheme this endpoint supports besides body parameters.
 */
function errorResponse(error: OAuthEndpointError): WebTriggerResponse {
  const challenge: Record<string, string> = error.status === 401 ? { 'WWW-Authenticate': `Basic realm="${REALM}", charset="UTF-8"` } : {};
  return jsonResponse(error.status, { error: error.code, error_description: error.description }, challenge);
}
