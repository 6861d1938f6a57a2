import { errorFields, type Logger } from '../logger';
import { headerValues, jsonResponse, type WebTriggerHandler } from '../webtriggers/web-trigger';
import type { TokenService } from './token-service';

const REALM = 'OAuth 2.0 application links';

/**
 * The "ping" API: answers 200 to a valid access token and 401 to anything else (RFC 6750 section
 * 3), so the remote's admin can prove that their outgoing link works end to end. Tokens are taken
 * from the Authorization header only: tokens in URLs end up in logs.
 */
export function createPingApi(deps: { tokens: TokenService; logger: Logger }): WebTriggerHandler {
  return async (request) => {
    try {
      const authorization = headerValues(request, 'authorization');
      const match = authorization.length === 1 ? /^Bearer\s+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(authorization[0] ?? '') : null;
      const token = match?.[1];
      if (token === undefined) {
        return jsonResponse(401, { error: 'invalid_request', error_description: 'Send an access token as Authorization: Bearer <token>.' }, { 'WWW-Authenticate': `Bearer realm="${REALM}"` });
      }
      const check = await deps.tokens.checkAccess(token);
      if (!check.valid) {
        const description = check.reason === 'expired' ? 'The access token has expired.' : 'The access token is not valid.';
        return jsonResponse(401, { error: 'invalid_token', error_description: description }, {
          'WWW-Authenticate': `Bearer realm="${REALM}", error="invalid_token", error_description="${description}"`,
        });
      }
      return jsonResponse(200, { status: 'ok', clientId: check.clientId, scopes: check.scopes, expiresAt: check.expiresAt });
    } catch (error) {
      deps.logger.error('Ping API failed', errorFields(error));
      return jsonResponse(500, { error: 'server_error', error_description: 'The ping API failed; try again later.' });
    }
  };
}
