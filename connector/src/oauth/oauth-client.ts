/**
 * The connector's one OAuth 2.0 client. Every call to a provider's authorization, token and
 * revocation endpoints goes through here, in small steps: build the request, send it (with a
 * time limit), process the answer (checked field by field with zod).
 *
 * simple-oauth2 does the token requests. What it lacks, this module adds: PKCE, a timeout by
 * default, keeping the refresh token when a refresh answer has none, refusing an HTTP 200 that
 * carries `error`, and errors with stable codes. See TOOLCHAIN.md for what was measured.
 */
import { timingSafeEqual } from 'node:crypto';
import { AuthorizationCode, ClientCredentials, type AccessToken, type ModuleOptions } from 'simple-oauth2';

import { DEFAULT_TIMEOUT_MS, checkConfig, type OAuthClientConfig, type OAuthClientOptions, type SplitEndpoint } from './config';
import { OAuthError, providerError, redact, timeoutError, transportError, type OAuthOperation } from './errors';
import { createPkce, createState } from './pkce';
import { revokeToken } from './revocation';
import { processTokenResponse, type TokenSet } from './token-response';
import { readBoomAnswer, isBoom } from './wreck-errors';

/** An authorization request ready to send the user to; keep `state` and `codeVerifier` until the callback. */
export interface AuthorizationRequest {
  url: string;
  state: string;
  codeVerifier: string;
  redirectUri: string;
  scopes: string[];
}

export interface OAuthClient {
  /**
   * Builds the authorization request (RFC 6749 section 4.1.1) with PKCE S256 (RFC 7636 section
   * 4.3), a random `state`, the scopes space-separated (section 3.3) and the preset's extra
   * parameters. Nothing is sent.
   */
  createAuthorizationRequest(options?: { state?: string; scopes?: readonly string[] }): AuthorizationRequest;
  /**
   * Reads the callback's query (RFC 6749 section 4.1.2): checks `state` first, then turns an
   * `error` into an {@link OAuthError}, and returns the code.
   */
  parseAuthorizationResponse(query: URLSearchParams, expectedState: string): { code: string };
  /** Redeems a code (RFC 6749 section 4.1.3, with `code_verifier` per RFC 7636 section 4.5). */
  exchangeCode(input: { code: string; codeVerifier: string; scopes?: readonly string[] }): Promise<TokenSet>;
  /**
   * Refreshes (RFC 6749 section 6). Always sends `redirect_uri`: Data Center requires it. When the
   * answer has no `refresh_token`, the one sent stays valid and is returned.
   */
  refresh(refreshToken: string, options?: { scopes?: readonly string[] }): Promise<TokenSet>;
  /** Client credentials grant (RFC 6749 section 4.4), for providers that offer it. */
  clientCredentials(options?: { scopes?: readonly string[] }): Promise<TokenSet>;
  /** Revokes a token (RFC 7009 section 2.1). Needs `revocationEndpoint`. */
  revoke(token: string, hint: 'access_token' | 'refresh_token'): Promise<void>;
}

/**
 * Creates a client for one link. Checks the configuration first and throws an
 * {@link OAuthError} (`URL_INVALID`, `URL_INSECURE`, `CREDENTIALS_MISSING`) when it is unusable.
 */
export function createOAuthClient(config: OAuthClientConfig, options: OAuthClientOptions = {}): OAuthClient {
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const endpoints = checkConfig(config, options.allowInsecureHttp ?? false);
  const { authorizationCode, clientCredentialsGrant } = createGrants(config, endpoints, timeoutMs, options.agents);

  /** Sends one token request and processes its answer. */
  async function tokenRequest(
    operation: Exclude<OAuthOperation, 'authorize' | 'revoke' | 'configure'>,
    send: () => Promise<AccessToken>,
    context: { requestedScopes: readonly string[]; previousRefreshToken?: string; secrets: (string | undefined)[] },
  ): Promise<TokenSet> {
    const secrets = [config.clientSecret, ...context.secrets];
    const sentAt = now();
    const started = Date.now();
    let body: unknown;
    try {
      const token = await withDeadline(send(), timeoutMs);
      body = token.token;
    } catch (error) {
      const failure = toOAuthError(operation, endpoints.token.display, error, secrets, timeoutMs);
      options.logger?.debug({ operation, endpoint: endpoints.token.display, code: failure.code, httpStatus: failure.httpStatus, ms: Date.now() - started }, 'token request failed');
      throw failure;
    }
    options.logger?.debug({ operation, endpoint: endpoints.token.display, ms: Date.now() - started }, 'token request answered');
    return processTokenResponse({
      operation,
      endpoint: endpoints.token.display,
      body,
      // simple-oauth2 hands back only the body of a non-error answer; Wreck resolves below 400
      // and redirects are off, so this is a 2xx.
      httpStatus: 200,
      sentAt,
      requestedScopes: context.requestedScopes,
      defaultAccessTokenSeconds: config.defaultAccessTokenSeconds,
      previousRefreshToken: context.previousRefreshToken,
      secrets,
    });
  }

  return {
    createAuthorizationRequest(requestOptions = {}) {
      const scopes = [...(requestOptions.scopes ?? config.scopes)];
      const state = requestOptions.state ?? createState();
      const pkce = createPkce();
      // The preset's parameters first, so none of them can replace PKCE, state or redirect_uri.
      const params: Record<string, string> = {
        ...config.authorizeParams,
        response_type: 'code',
        client_id: config.clientId,
        redirect_uri: config.redirectUri,
        state,
        ...(config.pkce === false ? {} : { code_challenge: pkce.codeChallenge, code_challenge_method: pkce.codeChallengeMethod }),
      };
      if (scopes.length > 0) params.scope = scopes.join(' ');
      const url = authorizationCode.authorizeURL(params as Parameters<typeof authorizationCode.authorizeURL>[0]);
      return { url, state, codeVerifier: pkce.codeVerifier, redirectUri: config.redirectUri, scopes };
    },

    parseAuthorizationResponse(query, expectedState) {
      const state = query.get('state');
      if (state === null || !sameString(state, expectedState)) {
        throw new OAuthError('STATE_MISMATCH', 'The authorization callback does not belong to this authorization request (state differs): start the authorization again.', {
          operation: 'authorize',
        });
      }
      const error = query.get('error');
      if (error !== null) {
        const description = query.get('error_description') ?? undefined;
        const code = error === 'invalid_scope' ? 'INVALID_SCOPE' : 'AUTHORIZATION_DENIED';
        return throwAuthorizationError(code, error, description, config.clientSecret);
      }
      const code = query.get('code');
      if (code === null || code === '') {
        throw new OAuthError('CALLBACK_INVALID', 'The authorization callback carries neither a code nor an error.', { operation: 'authorize' });
      }
      return { code };
    },

    exchangeCode({ code, codeVerifier, scopes }) {
      // No scope here: the code already carries what was granted (section 4.1.3).
      // Without PKCE no challenge was sent: a verifier the server never saw would be refused by some.
      const params = { code, redirect_uri: config.redirectUri, ...(config.pkce === false ? {} : { code_verifier: codeVerifier }) };
      return tokenRequest('authorization_code', () => authorizationCode.getToken(params as Parameters<typeof authorizationCode.getToken>[0]), {
        requestedScopes: scopes ?? config.scopes,
        secrets: [code, codeVerifier],
      });
    },

    refresh(refreshToken, refreshOptions = {}) {
      // Data Center refuses a refresh without the redirect URI the grant was made with.
      const params = { redirect_uri: config.redirectUri };
      return tokenRequest('refresh_token', () => authorizationCode.createToken({ refresh_token: refreshToken }).refresh(params as { scope?: string }), {
        requestedScopes: refreshOptions.scopes ?? config.scopes,
        previousRefreshToken: refreshToken,
        secrets: [refreshToken],
      });
    },

    clientCredentials(ccOptions = {}) {
      const scopes = ccOptions.scopes ?? config.scopes;
      const params = scopes.length > 0 ? { scope: scopes.join(' ') } : {};
      return tokenRequest('client_credentials', () => clientCredentialsGrant.getToken(params), { requestedScopes: scopes, secrets: [] });
    },

    async revoke(token, hint) {
      const endpoint = endpoints.revocation;
      if (endpoint === null) {
        throw new OAuthError('URL_INVALID', 'No revocation endpoint is configured for this link.', { operation: 'revoke' });
      }
      await revokeToken({ config, endpoint, token, hint, timeoutMs, agents: options.agents });
    },
  };
}

function createGrants(
  config: OAuthClientConfig,
  endpoints: { authorization: SplitEndpoint; token: SplitEndpoint },
  timeoutMs: number,
  agents: OAuthClientOptions['agents'],
): { authorizationCode: AuthorizationCode; clientCredentialsGrant: ClientCredentials } {
  const options = simpleOAuth2Options(config, endpoints.token, timeoutMs, agents);
  try {
    return {
      authorizationCode: new AuthorizationCode({
        ...options,
        auth: { ...options.auth, authorizeHost: endpoints.authorization.host, authorizePath: endpoints.authorization.path },
      }),
      // ClientCredentials' schema refuses the authorize* keys.
      clientCredentialsGrant: new ClientCredentials(options),
    };
  } catch (error) {
    // Joi's ValidationError keeps the whole input, client secret included, in `_original`:
    // never let it out. checkConfig has already refused what an admin can get wrong.
    throw new TypeError(`simple-oauth2 refused the options: ${error instanceof Error ? error.message.split('"')[1] ?? 'unknown field' : 'unknown field'}`);
  }
}

function simpleOAuth2Options(config: OAuthClientConfig, token: SplitEndpoint, timeoutMs: number, agents: OAuthClientOptions['agents']): ModuleOptions {
  return {
    client: { id: config.clientId, secret: config.clientSecret },
    auth: {
      tokenHost: token.host,
      tokenPath: token.path,
      refreshPath: token.path,
    },
    http: {
      // Wreck applies this twice (until the headers, then for the body); withDeadline bounds the whole call.
      timeout: timeoutMs,
      maxBytes: 1024 * 1024,
      // Never follow a redirect with a secret in the body.
      redirects: false,
      json: 'strict',
      ...(agents === undefined ? {} : { agents }),
    },
    options: {
      bodyFormat: 'form',
      authorizationMethod: config.clientAuth === 'basic' ? 'header' : 'body',
      scopeSeparator: ' ',
    },
  };
}

class DeadlineExceeded extends Error {}

/** Rejects when `promise` takes longer than `ms`. The late settlement is handled by race. */
async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded()), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function toOAuthError(operation: OAuthOperation, endpoint: string, error: unknown, secrets: readonly (string | undefined)[], timeoutMs: number): OAuthError {
  if (error instanceof DeadlineExceeded) return timeoutError(operation, endpoint, timeoutMs);
  if (isBoom(error)) {
    const answer = readBoomAnswer(error);
    switch (answer.kind) {
      case 'timeout':
        return timeoutError(operation, endpoint, timeoutMs);
      case 'error-answer':
        return providerError(operation, endpoint, { httpStatus: answer.httpStatus, error: answer.error, errorDescription: answer.errorDescription }, secrets);
      case 'unreadable-answer':
        return new OAuthError(answer.httpStatus === 401 ? 'INVALID_CLIENT' : 'TOKEN_ENDPOINT_ERROR', `${endpoint} answered HTTP ${answer.httpStatus} ${answer.what}.`, {
          operation,
          httpStatus: answer.httpStatus,
        });
      case 'no-answer':
        return transportError(operation, endpoint, answer.cause);
    }
  }
  // simple-oauth2 throws plain errors when the JSON body is not an object (null, a string...).
  // Their messages can quote the body, so neither message nor cause is kept.
  return new OAuthError('TOKEN_ENDPOINT_ERROR', `${endpoint} answered with a body that is not a JSON object.`, { operation });
}

function throwAuthorizationError(code: 'INVALID_SCOPE' | 'AUTHORIZATION_DENIED', error: string, description: string | undefined, clientSecret: string): never {
  const safeError = redact(error, [clientSecret]).slice(0, 100);
  const safeDescription = description === undefined ? undefined : redact(description, [clientSecret]).slice(0, 500);
  throw new OAuthError(code, `The authorization was refused: ${safeError}${safeDescription ? `: ${safeDescription}` : ''}.`, {
    operation: 'authorize',
    providerError: safeError,
    providerErrorDescription: safeDescription,
  });
}

function sameString(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
