import { randomUUID } from 'node:crypto';
import { LinkViewSchema } from '../../../contract';
import type { TestConnector } from '../../helpers/connector-app';
import type { SandboxDc } from '../../helpers/sandbox-dc';
import { isIssuingResponse, isTokenResponse } from './lifecycle-steps';
import { APP_ID, fitClaims, INSTALLATION_A, type TestKey, signFit } from '../forge/fixtures';

/**
 * Steps the per-user tests share: invocation tokens for several Atlassian accounts (the principal
 * is the only thing that names a user), a user's connection played through the sandbox's sign-in,
 * and a consumer's token reads.
 */
export const ACCOUNTS = {
  alice: '712020:alice-0000-0000-0000-000000000001',
  bob: '712020:bob-00000-0000-0000-000000000002',
  carol: '712020:carol-0000-0000-0000-000000000003',
} as const;

export interface FitFactory {
  /** A valid FIT naming `principal` (null: none), for this app and the paired installation unless told otherwise. */
  (principal: string | null, overrides?: { installationId?: string; appId?: string; key?: TestKey; nowSeconds?: number }): Promise<string>;
}

export function fitFactory(c: TestConnector, key: TestKey): FitFactory {
  return async (principal, overrides = {}) => {
    const claims = fitClaims({ nowSeconds: overrides.nowSeconds ?? Math.floor(Date.now() / 1000), installationId: overrides.installationId ?? INSTALLATION_A, appId: overrides.appId ?? APP_ID });
    if (principal === null) delete claims.principal;
    else claims.principal = principal;
    return c.watch.secret(await signFit(overrides.key ?? key, claims));
  };
}

export async function createPerUserLink(c: TestConnector, dc: SandboxDc, clientName: string, overrides: Record<string, unknown> = {}): Promise<string> {
  const client = dc.clients[clientName]!;
  c.watch.secret(client.clientSecret);
  const res = await c.request({
    method: 'POST',
    url: '/v1/links',
    payload: {
      name: `Per-user sandbox ${randomUUID().slice(0, 4)}`,
      remoteKind: 'jira',
      applicationUrl: dc.baseUrl,
      authKind: 'oauth2-impersonation',
      outgoing: { clientId: client.clientId, clientSecret: client.clientSecret, scopes: ['READ'] },
      ...overrides,
    },
  });
  if (res.statusCode !== 201) throw new Error(`link not created: ${res.statusCode} ${res.body}`);
  return LinkViewSchema.parse(res.json()).id;
}

/** Connect as the FIT's principal: start, sign in at the sandbox as `remoteAccount`, consent; the redirect's code and state. */
export async function startConnect(c: TestConnector, dc: SandboxDc, linkId: string, fit: string, remoteAccount: string): Promise<{ code: string; state: string; authorizationUrl: string }> {
  const start = await c.request({ method: 'POST', url: `/v1/me/links/${linkId}/connect`, payload: {}, token: fit });
  if (start.statusCode !== 200) throw new Error(`connect: ${start.statusCode} ${start.body}`);
  const { authorizationUrl } = start.json() as { authorizationUrl: string };
  const { code, state } = await dc.authorize(authorizationUrl, { accountId: remoteAccount });
  c.watch.secret(code);
  return { code, state: state ?? '', authorizationUrl };
}

export async function callback(c: TestConnector, code: string, state: string): Promise<{ status: number; body: string }> {
  const res = await c.request({ method: 'GET', url: `/oauth/callback?code=${encodeURIComponent(code)}&state=${encodeURIComponent(state)}`, token: null });
  return { status: res.statusCode, body: res.body };
}

export async function connect(c: TestConnector, dc: SandboxDc, linkId: string, fit: string, remoteAccount: string): Promise<void> {
  const { code, state } = await startConnect(c, dc, linkId, fit, remoteAccount);
  const done = await callback(c, code, state);
  if (done.status !== 200) throw new Error(`callback: ${done.status} ${done.body}`);
}

export async function createConsumer(c: TestConnector, linkIds: string[]): Promise<string> {
  const res = await c.request({ method: 'POST', url: '/v1/consumers', payload: { name: 'per-user reader', linkIds } });
  if (res.statusCode !== 201) throw new Error(`consumer: ${res.statusCode} ${res.body}`);
  return c.watch.secret((res.json() as { apiKey: string }).apiKey, isIssuingResponse);
}

/** A consumer's token read; the answer's status and JSON. */
export async function readToken(c: TestConnector, apiKey: string, linkId: string, query: string): Promise<{ status: number; json: any }> {
  const res = await c.request({ method: 'GET', url: `/v1/links/${linkId}/token${query}`, token: apiKey });
  if (res.statusCode === 200) c.watch.secret((res.json() as { accessToken: string }).accessToken, isTokenResponse);
  return { status: res.statusCode, json: res.json() };
}

/** Who the sandbox says a token belongs to (its Jira `myself` endpoint). */
export async function whoIs(dc: SandboxDc, accessToken: string): Promise<{ status: number; name?: string }> {
  const res = await fetch(`${dc.baseUrl}/rest/api/2/myself`, { headers: { authorization: `Bearer ${accessToken}` } });
  return { status: res.status, ...(res.status === 200 ? { name: ((await res.json()) as { name: string }).name } : {}) };
}
