/**
 * The OAuth 2.0 client against a real authorization server (oidc-provider, configured like Data
 * Center: PKCE required, rotating single-use refresh tokens, exact redirect URIs). No part of the
 * server is mocked; misbehaviour is asked of the real server for one request at a time.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

import {
  createOAuthClient,
  OAuthError,
  processTokenResponse,
  s256,
  type OAuthClient,
  type OAuthClientConfig,
  type OAuthClientOptions,
  type TokenSet,
} from '../../../connector/src/oauth';
import { codeForProviderError } from '../../../connector/src/oauth/errors';
import { AuthorizationRefused, startOidcServer, type OidcServer } from '../../helpers/oidc-server';
import { itWithTools } from '../../helpers/required-tools';

/** The injected clock: far from the real time, so `expiresAt` can only come from it. */
const NOW = Date.parse('2031-05-04T03:02:01.000Z');

let server: OidcServer;

beforeAll(async () => {
  // A Jira-like context path, so endpoint splitting is exercised on every call.
  server = await startOidcServer({ contextPath: '/jira' });
});

afterAll(async () => {
  await server?.stop();
});

beforeEach(async () => {
  await server.resetCounts();
});

type ClientName = 'post' | 'basic' | 'service';

function configFor(name: ClientName, overrides: Partial<OAuthClientConfig> = {}, on: OidcServer = server): OAuthClientConfig {
  const client = on.clients[name];
  if (!client) throw new Error(`no client ${name}`);
  return {
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    authorizationEndpoint: on.authorizationEndpoint,
    tokenEndpoint: on.tokenEndpoint,
    revocationEndpoint: on.revocationEndpoint,
    redirectUri: client.redirectUris[0] ?? 'http://127.0.0.1:8787/oauth/callback',
    scopes: name === 'service' ? ['READ'] : ['READ', 'WRITE'],
    clientAuth: client.authMethod === 'client_secret_basic' ? 'basic' : 'body',
    authorizeParams: {},
    defaultAccessTokenSeconds: 3600,
    ...overrides,
  };
}

function clientFor(config: OAuthClientConfig, options: OAuthClientOptions = {}): OAuthClient {
  return createOAuthClient(config, { now: () => NOW, allowInsecureHttp: true, timeoutMs: 5000, ...options });
}

/** Runs the authorization code flow end to end and keeps what a leak check needs. */
async function authorizeAndRedeem(client: OAuthClient, on: OidcServer = server): Promise<{ tokens: TokenSet; code: string; codeVerifier: string }> {
  const request = client.createAuthorizationRequest();
  const { code, state } = await on.authorize(request.url);
  const parsed = client.parseAuthorizationResponse(new URLSearchParams({ code, state: state ?? '' }), request.state);
  const tokens = await client.exchangeCode({ code: parsed.code, codeVerifier: request.codeVerifier });
  return { tokens, code, codeVerifier: request.codeVerifier };
}

async function failureOf(promise: Promise<unknown>): Promise<OAuthError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OAuthError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

describe('authorization code with PKCE', () => {
  it('builds an authorization URL with S256 PKCE, state, space-joined scopes and the preset parameters', () => {
    const client = clientFor(configFor('post', { authorizeParams: { audience: 'api.atlassian.com', prompt: 'consent', state: 'cannot-override' } }));
    const request = client.createAuthorizationRequest();
    const url = new URL(request.url);

    expect(`${url.origin}${url.pathname}`).toBe(server.authorizationEndpoint);
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('client_id')).toBe(server.clients.post?.clientId);
    expect(url.searchParams.get('redirect_uri')).toBe('http://127.0.0.1:8787/oauth/callback');
    expect(url.searchParams.get('scope')).toBe('READ WRITE');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toBe(s256(request.codeVerifier));
    expect(request.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('state')).toBe(request.state);
    expect(request.state).not.toBe('cannot-override');
    expect(url.searchParams.get('audience')).toBe('api.atlassian.com');
    expect(url.searchParams.get('prompt')).toBe('consent');
    expect(url.searchParams.has('client_secret')).toBe(false);
  });

  it('keeps a query string that the authorization endpoint already has', () => {
    const client = clientFor(configFor('post', { authorizationEndpoint: `${server.authorizationEndpoint}?tenant=acme` }));
    const url = new URL(client.createAuthorizationRequest().url);
    expect(url.pathname).toBe('/jira/rest/oauth2/latest/authorize');
    expect(url.searchParams.get('tenant')).toBe('acme');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
  });

  it('gets tokens through the whole flow, with expiry from the injected clock and the granted scopes', async () => {
    const client = clientFor(configFor('post'));
    const { tokens } = await authorizeAndRedeem(client);

    expect(tokens.accessToken).toEqual(expect.any(String));
    expect(tokens.accessToken.length).toBeGreaterThan(20);
    expect(tokens.tokenType).toBe('Bearer');
    expect(tokens.expiresAt.toISOString()).toBe(new Date(NOW + 3600 * 1000).toISOString());
    expect(tokens.refreshToken).toEqual(expect.any(String));
    expect(tokens.scopes).toEqual(['READ', 'WRITE']);
    expect(await server.counts()).toEqual({ authorization_code: 1 });
  });

  it('sends the token request form-encoded with the secret in the body for a client_secret_post client', async () => {
    const client = clientFor(configFor('post'));
    await authorizeAndRedeem(client);
    const shape = await server.lastTokenRequest();
    expect(shape?.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(shape?.authorizationScheme).toBeNull();
    expect(shape?.paramNames).toEqual(['client_id', 'client_secret', 'code', 'code_verifier', 'grant_type', 'redirect_uri']);
  });

  it('sends the secret in an HTTP Basic header for a client_secret_basic client', async () => {
    const client = clientFor(configFor('basic'));
    const { tokens } = await authorizeAndRedeem(client);
    expect(tokens.refreshToken).not.toBeNull();
    const shape = await server.lastTokenRequest();
    expect(shape?.authorizationScheme).toBe('Basic');
    expect(shape?.paramNames).toEqual(['code', 'code_verifier', 'grant_type', 'redirect_uri']);
  });

  it('works with a token endpoint that carries a query string', async () => {
    const client = clientFor(configFor('post', { tokenEndpoint: `${server.tokenEndpoint}?tenant=acme` }));
    const { tokens } = await authorizeAndRedeem(client);
    expect(tokens.accessToken.length).toBeGreaterThan(20);
  });

  it('cannot redeem a code without its PKCE verifier: INVALID_GRANT', async () => {
    const client = clientFor(configFor('post'));
    const request = client.createAuthorizationRequest();
    const { code } = await server.authorize(request.url);
    const error = await failureOf(client.exchangeCode({ code, codeVerifier: 'x'.repeat(43) }));
    expect(error.code).toBe('INVALID_GRANT');
    expect(error.providerError).toBe('invalid_grant');
    expect(error.httpStatus).toBe(400);
  });

  it('cannot redeem a code twice: INVALID_GRANT', async () => {
    const client = clientFor(configFor('post'));
    const request = client.createAuthorizationRequest();
    const { code } = await server.authorize(request.url);
    await client.exchangeCode({ code, codeVerifier: request.codeVerifier });
    const error = await failureOf(client.exchangeCode({ code, codeVerifier: request.codeVerifier }));
    expect(error.code).toBe('INVALID_GRANT');
  });

  it('refuses a callback whose state is not the request\'s: STATE_MISMATCH', () => {
    const client = clientFor(configFor('post'));
    const request = client.createAuthorizationRequest();
    const error = (() => {
      try {
        client.parseAuthorizationResponse(new URLSearchParams({ code: 'abc', state: 'forged' }), request.state);
      } catch (e) {
        return e as OAuthError;
      }
      throw new Error('expected failure');
    })();
    expect(error.code).toBe('STATE_MISMATCH');
  });

  it('turns a refused consent into AUTHORIZATION_DENIED with the provider\'s error', async () => {
    const client = clientFor(configFor('post'));
    const request = client.createAuthorizationRequest();
    const refused = await server.authorize(request.url, { deny: true }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AuthorizationRefused);
    const { error, errorDescription, redirected } = refused as AuthorizationRefused;
    expect(redirected).toBe(true);
    const query = new URLSearchParams({ error, error_description: errorDescription ?? '', state: request.state });
    let failure: unknown;
    try {
      client.parseAuthorizationResponse(query, request.state);
    } catch (e) {
      failure = e;
    }
    expect(failure).toBeInstanceOf(OAuthError);
    expect((failure as OAuthError).code).toBe('AUTHORIZATION_DENIED');
    expect((failure as OAuthError).providerError).toBe('access_denied');
  });
});

describe('redirect URI mismatch', () => {
  it('an unregistered redirect URI is refused at the authorization endpoint, before any code exists', async () => {
    // RFC 6749 section 4.1.2.1: the server must not redirect to an unknown URI, so the user sees
    // the error page and the connector's callback is never called. Test connection has to
    // probe the authorization URL to find this one.
    const client = clientFor(configFor('post', { redirectUri: 'http://127.0.0.1:8787/elsewhere' }));
    const refused = await server.authorize(client.createAuthorizationRequest().url).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AuthorizationRefused);
    expect((refused as AuthorizationRefused).error).toBe('invalid_redirect_uri');
    expect((refused as AuthorizationRefused).redirected).toBe(false);
    expect((refused as AuthorizationRefused).httpStatus).toBe(400);
  });

  it('a code redeemed with another redirect URI fails with INVALID_GRANT: oidc-provider does not say why', async () => {
    // oidc-provider answers a plain "grant request is invalid" and keeps the reason
    // ("authorization code redirect_uri mismatch") to its logs, so the client cannot tell this
    // from any other dead code. Providers that name the redirect URI get REDIRECT_URI_MISMATCH
    // (next test).
    const issuing = clientFor(configFor('post'));
    const request = issuing.createAuthorizationRequest();
    const { code } = await server.authorize(request.url);
    const redeeming = clientFor(configFor('post', { redirectUri: 'http://127.0.0.1:8787/elsewhere' }));
    const error = await failureOf(redeeming.exchangeCode({ code, codeVerifier: request.codeVerifier }));
    expect(error.code).toBe('INVALID_GRANT');
    expect(error.providerError).toBe('invalid_grant');
    expect(error.providerErrorDescription).toBe('grant request is invalid');
    expect(error.httpStatus).toBe(400);
  });

  it('an error that names the redirect URI maps to REDIRECT_URI_MISMATCH, whether invalid_grant or invalid_request', () => {
    expect(codeForProviderError('invalid_grant', 'Redirect URI does not match the one used for the authorization', 400)).toBe('REDIRECT_URI_MISMATCH');
    expect(codeForProviderError('invalid_request', 'redirect_uri mismatch', 400)).toBe('REDIRECT_URI_MISMATCH');
    expect(codeForProviderError('invalid_grant', 'grant request is invalid', 400)).toBe('INVALID_GRANT');
    expect(codeForProviderError('invalid_scope', undefined, 400)).toBe('INVALID_SCOPE');
    expect(codeForProviderError(undefined, undefined, 401)).toBe('INVALID_CLIENT');
    expect(codeForProviderError('invalid_client', undefined, 400)).toBe('INVALID_CLIENT');
    expect(codeForProviderError('server_error', undefined, 500)).toBe('TOKEN_ENDPOINT_ERROR');
  });
});

describe('refresh', () => {
  it('rotates the refresh token, and reusing the old one fails with INVALID_GRANT and revokes the grant', async () => {
    const client = clientFor(configFor('post'));
    const { tokens: first } = await authorizeAndRedeem(client);
    const oldRefreshToken = first.refreshToken ?? '';

    const second = await client.refresh(oldRefreshToken);
    expect(second.refreshToken).not.toBeNull();
    expect(second.refreshToken).not.toBe(oldRefreshToken);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.expiresAt.getTime()).toBe(NOW + 3600 * 1000);
    expect(second.scopes).toEqual(['READ', 'WRITE']);

    const reuse = await failureOf(client.refresh(oldRefreshToken));
    expect(reuse.code).toBe('INVALID_GRANT');
    expect(reuse.providerError).toBe('invalid_grant');
    expect(reuse.httpStatus).toBe(400);
    expect(reuse.operation).toBe('refresh_token');

    // The reuse revoked the whole grant: the newest refresh token is dead too (as in Data Center).
    const afterRevocation = await failureOf(client.refresh(second.refreshToken ?? ''));
    expect(afterRevocation.code).toBe('INVALID_GRANT');
    expect(await server.counts()).toEqual({ authorization_code: 1, refresh_token: 3 });
  });

  it('always sends redirect_uri on refresh, form-encoded', async () => {
    const client = clientFor(configFor('post'));
    const { tokens } = await authorizeAndRedeem(client);
    await client.refresh(tokens.refreshToken ?? '');
    const shape = await server.lastTokenRequest();
    expect(shape?.grantType).toBe('refresh_token');
    expect(shape?.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(shape?.paramNames).toEqual(['client_id', 'client_secret', 'grant_type', 'redirect_uri', 'refresh_token']);
  });

  it('keeps the refresh token it sent when the refresh answer has none, and that token keeps working', async () => {
    // A provider that does not rotate: the refresh token sent stays valid.
    const steady = await startOidcServer({ rotateRefreshTokens: false });
    try {
      const client = clientFor(configFor('post', {}, steady));
      const { tokens } = await authorizeAndRedeem(client, steady);
      const refreshToken = tokens.refreshToken ?? '';

      await steady.misbehave('omit-refresh-token');
      const refreshed = await client.refresh(refreshToken);
      expect(refreshed.refreshToken).toBe(refreshToken);
      expect(refreshed.accessToken).not.toBe(tokens.accessToken);

      const again = await client.refresh(refreshed.refreshToken ?? '');
      expect(again.accessToken).not.toBe(refreshed.accessToken);
    } finally {
      await steady.stop();
    }
  });

  it('a revoked refresh token fails with INVALID_GRANT', async () => {
    const client = clientFor(configFor('post'));
    const { tokens } = await authorizeAndRedeem(client);
    await client.revoke(tokens.refreshToken ?? '', 'refresh_token');
    const error = await failureOf(client.refresh(tokens.refreshToken ?? ''));
    expect(error.code).toBe('INVALID_GRANT');
  });
});

describe('token responses that are not what they should be', () => {
  it('treats an HTTP 200 that carries an error as a failure', async () => {
    const client = clientFor(configFor('post'));
    const { tokens } = await authorizeAndRedeem(client);
    await server.misbehave('error-200');
    const error = await failureOf(client.refresh(tokens.refreshToken ?? ''));
    expect(error.code).toBe('INVALID_GRANT');
    expect(error.providerError).toBe('invalid_grant');
    expect(error.httpStatus).toBe(200);
  });

  it('uses the preset\'s default lifetime when expires_in is missing', async () => {
    const client = clientFor(configFor('post', { defaultAccessTokenSeconds: 7200 }));
    const { tokens } = await authorizeAndRedeem(client);
    await server.misbehave('omit-expires-in');
    const refreshed = await client.refresh(tokens.refreshToken ?? '');
    expect(refreshed.expiresAt.getTime()).toBe(NOW + 7200 * 1000);
  });

  it('reports an HTML error page from a proxy as TOKEN_ENDPOINT_ERROR with its status', async () => {
    const client = clientFor(configFor('service'));
    await server.misbehave('html-502');
    const error = await failureOf(client.clientCredentials());
    expect(error.code).toBe('TOKEN_ENDPOINT_ERROR');
    expect(error.httpStatus).toBe(502);
    expect(error.message).toMatch(/not JSON \(text\/html\)/);
  });

  it('validates every field of a token response', () => {
    const base = { operation: 'authorization_code' as const, endpoint: 'https://x/token', httpStatus: 200, sentAt: NOW, requestedScopes: ['READ'], defaultAccessTokenSeconds: 60, secrets: [] };
    const bad = (body: unknown): OAuthError => {
      try {
        processTokenResponse({ ...base, body });
      } catch (e) {
        return e as OAuthError;
      }
      throw new Error('expected failure');
    };
    expect(bad({ token_type: 'Bearer' }).code).toBe('TOKEN_ENDPOINT_ERROR');
    expect(bad({ access_token: '' }).code).toBe('TOKEN_ENDPOINT_ERROR');
    expect(bad({ access_token: 'abcdefgh', token_type: 'mac' }).message).toMatch(/token_type/);
    expect(bad({ access_token: 'abcdefgh', expires_in: -1 }).message).toMatch(/expires_in/);
    expect(bad('abcdefgh').code).toBe('TOKEN_ENDPOINT_ERROR');

    const ok = processTokenResponse({ ...base, body: { access_token: 'abcdefgh', token_type: 'bearer', expires_in: '120', scope: 'READ  WRITE', refresh_token: null } });
    expect(ok).toEqual({ accessToken: 'abcdefgh', tokenType: 'Bearer', expiresAt: new Date(NOW + 120_000), refreshToken: null, scopes: ['READ', 'WRITE'] });
    const noType = processTokenResponse({ ...base, body: { access_token: 'abcdefgh' } });
    expect(noType.tokenType).toBe('Bearer');
    expect(noType.scopes).toEqual(['READ']);
    expect(noType.expiresAt.getTime()).toBe(NOW + 60_000);
  });
});

describe('client credentials', () => {
  it('gets a token for a client allowed to use the grant, without a refresh token', async () => {
    const client = clientFor(configFor('service'));
    const tokens = await client.clientCredentials();
    expect(tokens.accessToken.length).toBeGreaterThan(20);
    expect(tokens.refreshToken).toBeNull();
    expect(tokens.scopes).toEqual(['READ']);
    expect(tokens.expiresAt.getTime()).toBe(NOW + 3600 * 1000);
    const shape = await server.lastTokenRequest();
    expect(shape?.paramNames).toEqual(['grant_type', 'scope']);
    expect(shape?.authorizationScheme).toBe('Basic');
  });

  it('a scope the client may not have fails with INVALID_SCOPE', async () => {
    const client = clientFor(configFor('service', { scopes: ['ADMIN'] }));
    const error = await failureOf(client.clientCredentials());
    expect(error.code).toBe('INVALID_SCOPE');
    expect(error.providerError).toBe('invalid_scope');
  });

  it('a client not allowed to use the grant gets TOKEN_ENDPOINT_ERROR with the provider\'s reason', async () => {
    // oidc-provider says invalid_request rather than RFC 6749's unauthorized_client.
    const client = clientFor(configFor('post'));
    const error = await failureOf(client.clientCredentials());
    expect(error.code).toBe('TOKEN_ENDPOINT_ERROR');
    expect(error.providerError).toBe('invalid_request');
    expect(error.providerErrorDescription).toMatch(/grant type is not allowed/);
    expect(error.message).toMatch(/grant type is not allowed/);
  });
});

describe('client authentication', () => {
  it('a wrong client secret in the body fails with INVALID_CLIENT', async () => {
    const client = clientFor(configFor('post', { clientSecret: 'wrong-secret-0123456789' }));
    const error = await failureOf(client.refresh('some-refresh-token'));
    expect(error.code).toBe('INVALID_CLIENT');
    expect(error.providerError).toBe('invalid_client');
    expect(error.httpStatus).toBe(401);
  });

  it('a wrong client secret in a Basic header fails with INVALID_CLIENT', async () => {
    const client = clientFor(configFor('service', { clientSecret: 'wrong-secret-0123456789' }));
    const error = await failureOf(client.clientCredentials());
    expect(error.code).toBe('INVALID_CLIENT');
    expect(error.httpStatus).toBe(401);
  });
});

describe('network failures and time limits', () => {
  it('a hanging token endpoint fails with TIMEOUT, ended by our limit and not before it', async () => {
    const client = clientFor(configFor('service'), { timeoutMs: 500 });
    await server.misbehave('hang');
    const started = Date.now();
    const error = await failureOf(client.clientCredentials());
    const elapsed = Date.now() - started;
    expect(error.code).toBe('TIMEOUT');
    // The endpoint never answers, so only our limit can have ended the call: it did not end early.
    // (That it ends at all is what jest's own time limit would catch.)
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(await server.counts()).toEqual({ client_credentials: 1 });
  });

  it('a closed port fails with CONNECTION_REFUSED', async () => {
    const port = await closedPort();
    const client = clientFor(configFor('post', { tokenEndpoint: `http://127.0.0.1:${port}/rest/oauth2/latest/token` }));
    const error = await failureOf(client.refresh('some-refresh-token'));
    expect(error.code).toBe('CONNECTION_REFUSED');
    expect(error.httpStatus).toBeUndefined();
    expect((error.cause as { code?: string }).code).toBe('ECONNREFUSED');
  });

  it('a host name that does not resolve fails with DNS_FAILED', async () => {
    const client = clientFor(configFor('post', { tokenEndpoint: 'http://connector-test.invalid/rest/oauth2/latest/token' }));
    const error = await failureOf(client.refresh('some-refresh-token'));
    expect(error.code).toBe('DNS_FAILED');
  });

  itWithTools('openssl')('a self-signed certificate fails with TLS_CERT_UNTRUSTED', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'oauth-tls-'));
    const tls = https.createServer();
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
      tls.setSecureContext({ key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) });
      tls.on('request', (_req, res) => res.end('{}'));
      await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
      const { port } = tls.address() as AddressInfo;
      const endpoint = `https://127.0.0.1:${port}`;
      const endpoints = { authorizationEndpoint: `${endpoint}/authorize`, tokenEndpoint: `${endpoint}/token`, revocationEndpoint: null };
      const client = clientFor(configFor('post', endpoints), { allowInsecureHttp: false });
      const error = await failureOf(client.refresh('some-refresh-token'));
      expect(error.code).toBe('TLS_CERT_UNTRUSTED');
    } finally {
      tls.closeAllConnections();
      await new Promise((resolve) => tls.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('configuration', () => {
  it('refuses plain-http endpoints unless allowed: URL_INSECURE', () => {
    let error: unknown;
    try {
      createOAuthClient(configFor('post'), { now: () => NOW });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OAuthError);
    expect((error as OAuthError).code).toBe('URL_INSECURE');
  });

  it('refuses an endpoint with a fragment, and missing credentials', () => {
    const codeOf = (config: OAuthClientConfig): string | undefined => {
      try {
        clientFor(config);
      } catch (e) {
        return (e as OAuthError).code;
      }
      return undefined;
    };
    expect(codeOf(configFor('post', { tokenEndpoint: `${server.tokenEndpoint}#x` }))).toBe('URL_INVALID');
    expect(codeOf(configFor('post', { tokenEndpoint: 'not a url' }))).toBe('URL_INVALID');
    expect(codeOf(configFor('post', { clientSecret: '' }))).toBe('CREDENTIALS_MISSING');
  });
});

describe('secrets in errors', () => {
  it('no error message, stack, description or cause contains a client secret, code, verifier or token', async () => {
    const secretOfPost = server.clients.post?.clientSecret ?? '';
    const secretOfService = server.clients.service?.clientSecret ?? '';
    const sensitive: string[] = [secretOfPost, secretOfService];
    const errors: OAuthError[] = [];
    const post = clientFor(configFor('post'), { timeoutMs: 400 });
    const service = clientFor(configFor('service'), { timeoutMs: 400 });

    // A code with a wrong verifier, and a code redeemed twice (which also revokes its tokens).
    const request = post.createAuthorizationRequest();
    const { code } = await server.authorize(request.url);
    const wrongVerifier = 'v'.repeat(43);
    sensitive.push(code, request.codeVerifier, wrongVerifier);
    errors.push(await failureOf(post.exchangeCode({ code, codeVerifier: wrongVerifier })));
    const reused = await authorizeAndRedeem(post);
    sensitive.push(reused.code, reused.codeVerifier, reused.tokens.accessToken, reused.tokens.refreshToken ?? '');
    errors.push(await failureOf(post.exchangeCode({ code: reused.code, codeVerifier: reused.codeVerifier })));

    // An error in a 200, and a rotated refresh token reused.
    const first = await authorizeAndRedeem(post);
    sensitive.push(first.code, first.codeVerifier, first.tokens.accessToken, first.tokens.refreshToken ?? '');
    await server.misbehave('error-200');
    errors.push(await failureOf(post.refresh(first.tokens.refreshToken ?? '')));
    const rotated = await post.refresh(first.tokens.refreshToken ?? '');
    sensitive.push(rotated.accessToken, rotated.refreshToken ?? '');
    errors.push(await failureOf(post.refresh(first.tokens.refreshToken ?? '')));

    // Wrong secrets in body and header; a wrong redirect URI; a proxy error page; a hang; no server.
    const wrongSecret = 'wrong-secret-abcdefghijkl';
    sensitive.push(wrongSecret);
    errors.push(await failureOf(clientFor(configFor('post', { clientSecret: wrongSecret })).refresh(rotated.refreshToken ?? '')));
    errors.push(await failureOf(clientFor(configFor('service', { clientSecret: wrongSecret })).clientCredentials()));
    const third = post.createAuthorizationRequest();
    const thirdCode = (await server.authorize(third.url)).code;
    sensitive.push(thirdCode, third.codeVerifier);
    errors.push(await failureOf(clientFor(configFor('post', { redirectUri: 'http://127.0.0.1:8787/x' })).exchangeCode({ code: thirdCode, codeVerifier: third.codeVerifier })));
    await server.misbehave('html-502');
    errors.push(await failureOf(service.clientCredentials()));
    await server.misbehave('hang');
    errors.push(await failureOf(service.clientCredentials()));
    const port = await closedPort();
    errors.push(await failureOf(clientFor(configFor('post', { tokenEndpoint: `http://127.0.0.1:${port}/token` })).refresh(rotated.refreshToken ?? '')));

    // A provider whose description echoes what it was sent.
    errors.push(
      (() => {
        try {
          processTokenResponse({
            operation: 'refresh_token',
            endpoint: 'https://x/token',
            body: { error: 'invalid_grant', error_description: `refresh token ${rotated.refreshToken ?? ''} is unknown to client secret ${secretOfPost}` },
            httpStatus: 400,
            sentAt: NOW,
            requestedScopes: [],
            defaultAccessTokenSeconds: 60,
            secrets: [secretOfPost, rotated.refreshToken],
          });
        } catch (e) {
          return e as OAuthError;
        }
        throw new Error('expected failure');
      })(),
    );

    expect(errors.map((e) => e.code)).toEqual([
      'INVALID_GRANT',
      'INVALID_GRANT',
      'INVALID_GRANT',
      'INVALID_GRANT',
      'INVALID_CLIENT',
      'INVALID_CLIENT',
      'INVALID_GRANT',
      'TOKEN_ENDPOINT_ERROR',
      'TIMEOUT',
      'CONNECTION_REFUSED',
      'INVALID_GRANT',
    ]);
    const values = sensitive.filter((s) => s.length >= 8);
    expect(values.length).toBeGreaterThanOrEqual(14);
    for (const error of errors) {
      const texts = [error.message, error.stack ?? '', error.providerError ?? '', error.providerErrorDescription ?? '', String(error.cause ?? ''), JSON.stringify(error)];
      for (const text of texts) {
        for (const value of values) expect(text.includes(value) ? `${error.code} leaks ${value.slice(0, 4)}...: ${text}` : 'clean').toBe('clean');
      }
    }
  });
});
