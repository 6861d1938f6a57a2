import { errorFields, type Logger } from '../logger';
import { jsonResponse, type WebTriggerHandler } from '../webtriggers/web-trigger';
import type { IncomingClients } from './incoming-clients';
import { OAuthEndpointError } from './oauth-error';
import { clientCredentials, parseTokenRequest } from './token-request';
import type { TokenService } from './token-service';

const REALM = 'OAuth 2.0 application links';

/**
 * Token revocation (RFC 7009) as a web trigger: the client authenticates as at the token endpoint
 * and names a token it holds. 200 with an empty body for a revoked or unknown token (section 2.2:
 * the client cannot act on the difference); a token issued to another client is refused and kept.
 */
export function createRevocationEndpoint(deps: { clients: IncomingClients; tokens: TokenService; logger: Logger }): WebTriggerHandler {
  return async (request) => {
    try {
      if (request.method.toUpperCase() !== 'POST') {
        const response = errorResponse(new OAuthEndpointError('invalid_request', 'The revocation endpoint accepts POST only.'));
        return { ...response, statusCode: 405, headers: { ...response.headers, Allow: ['POST'] } };
      }
      const params = parseTokenRequest(request);
      const credentials = clientCredentials(request, params);
      const client = await deps.clients.authenticate(credentials.clientId, credentials.clientSecret);
      if (client === undefined) throw new OAuthEndpointError('invalid_client', 'Unknown client, or wrong client secret.');
      const token = params.get('token');
      if (token === undefined) throw new OAuthEndpointError('invalid_request', 'token is required.');
      const outcome = await deps.tokens.revoke(client, token);
      if (outcome === 'other-client') throw new OAuthEndpointError('invalid_request', 'This token was not issued to this client.');
      deps.logger.info('Token revocation', { clientId: client.clientId, linkId: client.linkId, outcome });
      return { statusCode: 200, headers: { 'Cache-Control': ['no-store'] }, body: '' };
    } catch (error) {
      if (error instanceof OAuthEndpointError) return errorResponse(error);
      deps.logger.error('Revocation endpoint failed', errorFields(error));
      return jsonResponse(503, { error: 'server_error', error_description: 'The revocation endpoint failed; try again later.' }, { 'Retry-After': '30' });
    }
  };
}

function errorResponse(error: OAuthEndpointError) {
  const challenge: Record<string, string> = error.status === 401 ? { 'WWW-Authenticate': `Basic realm="${REALM}", charset="UTF-8"` } : {};
  return jsonResponse(error.status, { error: error.code, error_description: error.description }, challenge);
}
