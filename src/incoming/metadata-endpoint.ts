import { CLOUD_INCOMING_SCOPES } from '../../contract';
import { errorFields, type Logger } from '../logger';
import { jsonResponse, type WebTriggerHandler } from '../webtriggers/web-trigger';
import type { WebTriggerUrls } from '../webtriggers/web-trigger-urls';

/**
 * The authorization server's metadata (RFC 8414 section 2 fields), so the remote's admin finds
 * every endpoint in one document.
 *
 * Why the issuer is this document's own URL: RFC 8414 puts metadata at
 * `{issuer}/.well-known/oauth-authorization-server`, and a web trigger has one URL per trigger with
 * no way to serve a well-known path beside it. The metadata URL is the stable identifier this
 * installation has; clients that build the well-known URL themselves take it from the admin page.
 */
export function createMetadataEndpoint(deps: { urls: WebTriggerUrls; logger: Logger }): WebTriggerHandler {
  return async (request) => {
    try {
      if (request.method.toUpperCase() !== 'GET') return jsonResponse(405, { error: 'invalid_request', error_description: 'Use GET.' }, { Allow: 'GET' });
      const u = deps.urls;
      const [issuer, authorization, token, revocation, gateway] = await Promise.all([u.metadata(), u.authorize(), u.tokenEndpoint(), u.revoke(), u.gateway()]);
      const authMethods = ['client_secret_basic', 'client_secret_post'];
      return jsonResponse(200, {
        issuer,
        authorization_endpoint: authorization,
        token_endpoint: token,
        revocation_endpoint: revocation,
        scopes_supported: CLOUD_INCOMING_SCOPES.map((s) => s.name),
        response_types_supported: ['code'],
        response_modes_supported: ['query'],
        grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
        token_endpoint_auth_methods_supported: authMethods,
        revocation_endpoint_auth_methods_supported: authMethods,
        code_challenge_methods_supported: ['S256'],
        // Not RFC 8414: where the remote calls Jira Cloud's REST APIs with its access token.
        jira_gateway_endpoint: gateway,
      });
    } catch (error) {
      deps.logger.error('Metadata endpoint failed', errorFields(error));
      return jsonResponse(500, { error: 'server_error', error_description: 'The metadata document could not be built; try again later.' });
    }
  };
}
