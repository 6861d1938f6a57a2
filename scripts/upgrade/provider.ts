import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The sandbox Data Center (`sandbox/dc-server.mjs`, oidc-provider configured as Data Center:
 * PKCE, refresh tokens rotated on every refresh, a reused refresh token revoking the grant), run
 * in this process, with short access-token lifetimes so both replicas refresh during the overlap.
 * An extension watches the provider's own events: a refresh token presented twice, and every grant
 * it revoked. A person's sign-in and consent are played headlessly.
 */
export interface Provider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  /** The protected API: 200 for a live token with READ. */
  apiUrl: string;
  /** Refresh tokens presented again after they were used (each revokes its grant). */
  reusedRefreshTokens(): number;
  revokedGrants(): number;
  /** Token-endpoint requests per grant type. */
  counts(): Record<string, number>;
  authorize(authorizationUrl: string): Promise<{ code: string; state: string }>;
  close(): Promise<void>;
}

interface DcServer {
  issuer: string;
  counts(): Record<string, number>;
  close(): Promise<void>;
}

interface ProviderEvents {
  on(event: 'grant.error', listener: (ctx: unknown, error: { error_description?: string; message?: string }) => void): void;
  on(event: 'grant.revoked', listener: () => void): void;
}

export async function startProvider(repoDir: string, redirectUri: string, accessTokenSeconds: number): Promise<Provider> {
  const url = pathToFileURL(path.join(repoDir, 'sandbox', 'dc-server.mjs')).href;
  const { startDcServer } = (await import(url)) as { startDcServer(options: Record<string, unknown>): Promise<DcServer> };
  let reused = 0;
  let revoked = 0;
  const watch = (api: { provider: ProviderEvents }) => {
    api.provider.on('grant.error', (_ctx, error) => {
      if (/already used/i.test(`${error.error_description ?? ''} ${error.message ?? ''}`)) reused += 1;
    });
    api.provider.on('grant.revoked', () => {
      revoked += 1;
    });
    return async () => false;
  };
  const clientId = 'rolling-upgrade';
  const clientSecret = randomBytes(24).toString('base64url');
  const routes = { authorization: '/rest/oauth2/latest/authorize', token: '/rest/oauth2/latest/token', revocation: '/rest/oauth2/latest/revoke', introspection: '/rest/oauth2/latest/introspect' };
  const dc = await startDcServer({
    routes,
    scopes: ['openid', 'offline_access', 'READ', 'WRITE', 'ADMIN'],
    accessTokenSeconds,
    sandbox: { contextPath: '', manifest: {} },
    extensions: [watch],
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        token_endpoint_auth_method: 'client_secret_post',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [redirectUri],
        scope: 'READ WRITE ADMIN',
      },
    ],
  });
  return {
    issuer: dc.issuer,
    clientId,
    clientSecret,
    authorizationEndpoint: `${dc.issuer}${routes.authorization}`,
    tokenEndpoint: `${dc.issuer}${routes.token}`,
    apiUrl: `${dc.issuer}/rest/api/2/myself`,
    reusedRefreshTokens: () => reused,
    revokedGrants: () => revoked,
    counts: () => dc.counts(),
    authorize: (authorizationUrl) => signInAndConsent(dc.issuer, authorizationUrl),
    close: () => dc.close(),
  };
}

/** Follows the authorization URL as a browser would (oidc-provider's development login, any name), until the redirect back. */
async function signInAndConsent(issuer: string, authorizationUrl: string): Promise<{ code: string; state: string }> {
  const cookies = new Map<string, string>();
  const go = async (url: URL, init: RequestInit = {}): Promise<Response> => {
    const cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie } });
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(';', 1)[0] ?? '';
      const eq = pair.indexOf('=');
      if (eq > 0) cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    return response;
  };
  let url = new URL(authorizationUrl);
  let response = await go(url);
  for (let step = 0; step < 20; step += 1) {
    const location = response.headers.get('location');
    if (location === null) throw new Error(`authorization stopped at ${url.pathname} with HTTP ${response.status}: ${await response.text()}`);
    await response.body?.cancel();
    url = new URL(location, url);
    if (url.origin !== new URL(issuer).origin) {
      const code = url.searchParams.get('code');
      const state = url.searchParams.get('state');
      if (code === null || state === null) throw new Error(`authorization came back without a code: ${url.searchParams.get('error') ?? 'no error'}`);
      return { code, state };
    }
    if (/^\/interaction\/[^/]+$/.test(url.pathname)) {
      const page = await (await go(url)).text();
      const prompt = /name="prompt" value="(\w+)"/.exec(page)?.[1] ?? '';
      const form = new URLSearchParams({ prompt });
      if (prompt === 'login') {
        form.set('login', 'admin');
        form.set('password', 'any');
      }
      response = await go(url, { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    } else {
      response = await go(url);
    }
  }
  throw new Error('authorization did not finish within 20 redirects');
}
