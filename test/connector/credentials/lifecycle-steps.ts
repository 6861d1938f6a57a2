import { LinkViewSchema } from '../../../contract';
import { REFRESH_TOKEN_FIELD, tokenOwnerId } from '../../../connector/src/storage/store';
import { startTestConnector, type TestConnector } from '../../helpers/connector-app';
import type { OidcServer } from '../../helpers/oidc-server';

/**
 * Steps the token tests share: a connector on a clock the test moves, a link to the OAuth 2.0
 * test server, an authorization as a person makes it, a consumer and its token reads.
 */
export const PUBLIC_URL = 'http://127.0.0.1:8787';
export const CALLBACK = `${PUBLIC_URL}/oauth/callback`;
export const HOUR = 3600_000;

export interface Clock {
  t: number;
}

export async function startConnector(dialect: 'sqlite' | 'postgres', clock: Clock, extra: Parameters<typeof startTestConnector>[0] = {}): Promise<TestConnector> {
  return startTestConnector({
    dialect,
    ...extra,
    env: { CONNECTOR_PUBLIC_URL: PUBLIC_URL, CONNECTOR_ALLOWED_HOSTS: '127.0.0.1', ...extra.env },
    credentials: { now: () => clock.t, providerTimeoutMs: 1_000, ...extra.credentials },
  });
}

export async function createLink(c: TestConnector, oidc: OidcServer, clientName: string, overrides: Record<string, unknown> = {}): Promise<string> {
  const client = oidc.clients[clientName]!;
  c.watch.secret(client.clientSecret);
  const res = await c.request({
    method: 'POST',
    url: '/v1/links',
    payload: {
      name: `Jira DC (${clientName})`,
      remoteKind: 'jira',
      applicationUrl: oidc.baseUrl,
      outgoing: {
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        scopes: ['READ'],
        authorizationEndpoint: oidc.authorizationEndpoint,
        tokenEndpoint: oidc.tokenEndpoint,
        revocationEndpoint: oidc.revocationEndpoint,
      },
      ...overrides,
    },
  });
  expect(res.statusCode).toBe(201);
  return LinkViewSchema.parse(res.json()).id;
}

/**
 * Authorize as a person would: open the URL, sign in and consent, come back to the callback. A
 * user's own credential (`subject`) starts at the credential service, as the users' routes do
 * with the invocation token's principal; the operator's route authorizes the link's own.
 */
export async function authorize(c: TestConnector, oidc: OidcServer, linkId: string, subject?: string): Promise<{ status: number; body: string }> {
  let authorizationUrl: string;
  if (subject === undefined) {
    const start = await c.request({ method: 'POST', url: `/v1/links/${linkId}/authorize`, payload: {} });
    expect(start.statusCode).toBe(200);
    authorizationUrl = (start.json() as { authorizationUrl: string }).authorizationUrl;
  } else {
    authorizationUrl = (await c.app.connector.credentials.startAuthorization(linkId, subject)).authorizationUrl;
  }
  const { code, state } = await oidc.authorize(authorizationUrl);
  c.watch.secret(code);
  const callback = await c.request({ method: 'GET', url: `/oauth/callback?code=${encodeURIComponent(code)}&state=${encodeURIComponent(state ?? '')}`, token: null });
  return { status: callback.statusCode, body: callback.body };
}

export async function createConsumer(c: TestConnector, linkIds: string[]): Promise<string> {
  const res = await c.request({ method: 'POST', url: '/v1/consumers', payload: { name: 'DC integration', linkIds } });
  expect(res.statusCode).toBe(201);
  return c.watch.secret((res.json() as { apiKey: string }).apiKey, isIssuingResponse);
}

export async function readToken(c: TestConnector, linkId: string, apiKey: string) {
  const res = await c.request({ method: 'GET', url: `/v1/links/${linkId}/token`, token: apiKey });
  const body = res.json() as { accessToken?: string; expiresAt?: string; error?: { code: string } };
  if (body.accessToken !== undefined) c.watch.secret(body.accessToken, isTokenResponse);
  return { status: res.statusCode, body };
}

export async function storedRefreshToken(c: TestConnector, linkId: string): Promise<string> {
  const stored = await c.store.tokens.get(linkId, '');
  return c.watch.secret(await c.vault.open(tokenOwnerId(linkId, ''), REFRESH_TOKEN_FIELD, stored!.refreshToken!));
}

/** The one response that shows an API key: its creation. */
export const isIssuingResponse = (text: string): boolean => text.startsWith('201 ') && text.includes('"apiKey"');
/** A token read by its consumer. */
export const isTokenResponse = (text: string): boolean => text.startsWith('200 ') && text.includes('"accessToken"') && !text.includes('"apiKey"');

export async function waitFor(check: () => Promise<boolean>, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`condition not met within ${ms} ms`);
}
