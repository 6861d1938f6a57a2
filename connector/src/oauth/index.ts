/**
 * OAuth 2.0 client of the connector: authorization code with PKCE, refresh, client credentials
 * and revocation against one remote. Import from here.
 */
export { createOAuthClient, type AuthorizationRequest, type OAuthClient } from './oauth-client';
export { DEFAULT_TIMEOUT_MS, type OAuthClientConfig, type OAuthClientLogger, type OAuthClientOptions } from './config';
export { OAuthError, type OAuthErrorCode, type OAuthOperation } from './errors';
export { processTokenResponse, splitScope, TokenResponseSchema, type TokenSet } from './token-response';
export { createPkce, s256, type Pkce } from './pkce';
