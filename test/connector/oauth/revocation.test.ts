import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createOAuthClient, OAuthError, type OAuthClientConfig } from '../../../connector/src/oauth';
import { createGuardedAgents } from '../../../connector/src/outbound/guarded-agents';
import { UrlPolicy } from '../../../connector/src/outbound/url-policy';

/**
 * RFC 7009 revocation goes through the outbound policy like the token requests: the guarded
 * agents check every connection (allowed hosts, internal addresses, plain http), a redirect is
 * never followed, and every call is bounded in time and size. A small HTTP server on 127.0.0.1
 * counts the requests that reached it and answers as each test asks.
 */

let server: Server;
let port: number;
let requests: { body: string }[] = [];
let answer: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(200).end();

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      requests.push({ body });
      answer(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  requests = [];
  answer = (_req, res) => res.writeHead(200).end();
});

const SECRET = 'revocation-client-secret-0123456789';
const TOKEN = 'access-token-to-revoke-0123456789abcdef';
const toLoopback = async () => [{ address: '127.0.0.1', family: 4 as const }];

function config(revocationEndpoint: string): OAuthClientConfig {
  return {
    clientId: 'client-1',
    clientSecret: SECRET,
    authorizationEndpoint: 'https://dc.example.com/rest/oauth2/latest/authorize',
    tokenEndpoint: 'https://dc.example.com/rest/oauth2/latest/token',
    revocationEndpoint,
    redirectUri: 'https://connector.example.com/oauth/callback',
    scopes: ['READ'],
    clientAuth: 'body',
    defaultAccessTokenSeconds: 3600,
  };
}

/** A client whose connections go through the guarded agents of `allowedHosts`, names resolving to 127.0.0.1. */
function guardedClient(revocationEndpoint: string, allowedHosts: string[], timeoutMs = 2000) {
  const agents = createGuardedAgents(new UrlPolicy(allowedHosts), toLoopback);
  return createOAuthClient(config(revocationEndpoint), { allowInsecureHttp: true, agents, timeoutMs });
}

async function failureOf(promise: Promise<unknown>): Promise<OAuthError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OAuthError) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('revocation and the outbound policy', () => {
  it('refuses a revocation endpoint on a public-looking name that resolves to a private address, without connecting', async () => {
    const error = await failureOf(guardedClient(`https://dc.example.com:${port}/rest/oauth2/latest/revoke`, []).revoke(TOKEN, 'access_token'));
    expect(error.code).toBe('HOST_NOT_ALLOWED');
    expect(error.operation).toBe('revoke');
    expect(requests).toEqual([]);
  });

  it('refuses a revocation endpoint at an internal IP literal that is not listed, without connecting', async () => {
    const error = await failureOf(guardedClient(`https://127.0.0.1:${port}/revoke`, ['dc.example.com']).revoke(TOKEN, 'access_token'));
    expect(error.code).toBe('HOST_NOT_ALLOWED');
    expect(requests).toEqual([]);
  });

  it('refuses a disallowed host over plain http (listed only at another port), without connecting', async () => {
    const error = await failureOf(guardedClient(`http://other.example.com:${port}/revoke`, ['other.example.com:1']).revoke(TOKEN, 'refresh_token'));
    expect(error.code).toBe('HOST_NOT_ALLOWED');
    expect(requests).toEqual([]);
  });

  it('revokes at a listed host: one form-encoded request with the token, its hint and the client credentials', async () => {
    await guardedClient(`http://dc.example.com:${port}/rest/oauth2/latest/revoke`, [`dc.example.com:${port}`]).revoke(TOKEN, 'refresh_token');
    expect(requests).toHaveLength(1);
    expect(Object.fromEntries(new URLSearchParams(requests[0]!.body))).toEqual({ token: TOKEN, token_type_hint: 'refresh_token', client_id: 'client-1', client_secret: SECRET });
  });

  it('does not follow a redirect (the client secret is in the request)', async () => {
    answer = (_req, res) => res.writeHead(307, { location: `http://dc.example.com:${port}/elsewhere` }).end();
    const error = await failureOf(guardedClient(`http://dc.example.com:${port}/revoke`, [`dc.example.com:${port}`]).revoke(TOKEN, 'access_token'));
    expect(error.code).toBe('TOKEN_ENDPOINT_ERROR');
    expect(error.message).toMatch(/redirect \(HTTP 307\)/);
    expect(requests).toHaveLength(1);
  });

  it('gives up on a revocation endpoint that does not answer within the time limit', async () => {
    answer = () => undefined;
    const started = Date.now();
    const error = await failureOf(guardedClient(`http://dc.example.com:${port}/revoke`, [`dc.example.com:${port}`], 300).revoke(TOKEN, 'access_token'));
    expect(error.code).toBe('TIMEOUT');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('refuses an answer larger than the limit', async () => {
    answer = (_req, res) => res.writeHead(400, { 'content-type': 'application/json' }).end(`{"error":"${'x'.repeat(100 * 1024)}"}`);
    const error = await failureOf(guardedClient(`http://dc.example.com:${port}/revoke`, [`dc.example.com:${port}`]).revoke(TOKEN, 'access_token'));
    expect(error.code).toBe('TOKEN_ENDPOINT_ERROR');
    expect(error.message).toMatch(/more than 65536 bytes/);
  });

  it("keeps the provider's error and never echoes the token or the secret", async () => {
    answer = (_req, res) => res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'unsupported_token_type', error_description: `cannot revoke ${TOKEN} with ${SECRET}` }));
    const error = await failureOf(guardedClient(`http://dc.example.com:${port}/revoke`, [`dc.example.com:${port}`]).revoke(TOKEN, 'access_token'));
    expect(error.providerError).toBe('unsupported_token_type');
    expect(error.httpStatus).toBe(400);
    expect(error.message).not.toContain(TOKEN);
    expect(error.message).not.toContain(SECRET);
  });
});
