import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LinkViewSchema, ProbeResultSchema } from '../../../contract';
import { metadataUrls } from '../../../connector/src/discovery/oauth-metadata';
import type { TestConnector } from '../../helpers/connector-app';
import { AuthorizationRefused, startOidcServer, type OidcServer } from '../../helpers/oidc-server';
import { CALLBACK, startConnector, type Clock } from './lifecycle-steps';

/**
 * A custom OAuth 2.0 provider (issue 14 item 1, seed 003) against the real OAuth 2.0 test server
 * (oidc-provider): the probe fills the endpoints from the provider's published metadata, and the
 * link's own client authentication, PKCE and extra parameters are what the connector sends.
 */
describe('a custom OAuth 2.0 provider', () => {
  let oidc: OidcServer;
  let c: TestConnector;
  const clock: Clock = { t: Date.now() };

  beforeAll(async () => {
    oidc = await startOidcServer({
      clients: { basic: { authMethod: 'client_secret_basic', grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [CALLBACK] } },
    });
    c = await startConnector('sqlite', clock);
  });
  afterAll(async () => {
    expect(c.watch.leaks()).toEqual([]);
    await c.close();
    await oidc.stop();
  });

  it('looks for RFC 8414 metadata first (with an issuer path where RFC 8414 puts it), then OpenID discovery', () => {
    expect(metadataUrls('https://idp.example.com/tenant-a').map((u) => u.url)).toEqual([
      'https://idp.example.com/tenant-a/.well-known/oauth-authorization-server',
      'https://idp.example.com/.well-known/oauth-authorization-server/tenant-a',
      'https://idp.example.com/tenant-a/.well-known/openid-configuration',
    ]);
  });

  it('probes the provider\'s published metadata for its endpoints, through the outbound policy', async () => {
    const res = await c.request({ method: 'POST', url: '/v1/probe', payload: { url: oidc.issuer, kind: 'custom' } });
    expect(res.statusCode).toBe(200);
    const probe = ProbeResultSchema.parse(res.json());
    expect(probe.oauth2.supported).toBe(true);
    expect(probe.oauth2.metadata).toMatchObject({
      // oidc-provider publishes both documents; RFC 8414's is read first.
      source: 'oauth-authorization-server',
      authorizationEndpoint: oidc.authorizationEndpoint,
      tokenEndpoint: oidc.tokenEndpoint,
      revocationEndpoint: oidc.revocationEndpoint,
    });
    expect(probe.oauth2.metadata!.tokenEndpointAuthMethods).toContain('client_secret_basic');
    expect(probe.oauth2.metadata!.codeChallengeMethods).toContain('S256');
    // The same URL without the kind: not an Atlassian application, but an OAuth 2.0 server.
    const unnamed = ProbeResultSchema.parse((await c.request({ method: 'POST', url: '/v1/probe', payload: { url: oidc.issuer } })).json());
    expect(unnamed).toMatchObject({ atlassian: false, code: 'NOT_ATLASSIAN', oauth2: { supported: true, metadata: { tokenEndpoint: oidc.tokenEndpoint } } });
  });

  it('reads OpenID discovery when the provider publishes no RFC 8414 document, and ignores fields that are not URLs', async () => {
    const server = createServer((req, res) => {
      if (req.url !== '/tenant-a/.well-known/openid-configuration') return void res.writeHead(404).end();
      const { port } = server.address() as AddressInfo;
      const issuer = `http://127.0.0.1:${port}/tenant-a`;
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({ issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`, userinfo_endpoint: 'javascript:alert(1)', token_endpoint_auth_methods_supported: ['client_secret_basic'] }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tenant-a`;
      const probe = ProbeResultSchema.parse((await c.request({ method: 'POST', url: '/v1/probe', payload: { url: base, kind: 'custom' } })).json());
      expect(probe.oauth2.metadata).toEqual({
        issuer: base,
        authorizationEndpoint: `${base}/authorize`,
        tokenEndpoint: `${base}/token`,
        revocationEndpoint: null,
        userinfoEndpoint: null,
        scopesSupported: [],
        tokenEndpointAuthMethods: ['client_secret_basic'],
        codeChallengeMethods: [],
        source: 'openid-configuration',
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses to probe an address the outbound policy does not allow', async () => {
    const res = await c.request({ method: 'POST', url: '/v1/probe', payload: { url: 'http://10.0.0.1/', kind: 'custom' } });
    expect(res.statusCode).toBe(400);
    expect((res.json() as { error: { code: string } }).error.code).toBe('HOST_NOT_ALLOWED');
  });

  async function customLink(settings: Record<string, unknown>): Promise<string> {
    const client = oidc.clients.basic!;
    c.watch.secret(client.clientSecret);
    const res = await c.request({
      method: 'POST',
      url: '/v1/links',
      payload: {
        name: 'Custom provider',
        remoteKind: 'custom',
        applicationUrl: oidc.issuer,
        outgoing: {
          clientId: client.clientId,
          clientSecret: client.clientSecret,
          scopes: ['READ', 'WRITE'],
          authorizationEndpoint: oidc.authorizationEndpoint,
          tokenEndpoint: oidc.tokenEndpoint,
          ...settings,
        },
      },
    });
    expect(res.statusCode).toBe(201);
    return LinkViewSchema.parse(res.json()).id;
  }

  async function startAuthorization(linkId: string): Promise<URL> {
    const start = await c.request({ method: 'POST', url: `/v1/links/${linkId}/authorize`, payload: {} });
    expect(start.statusCode).toBe(200);
    return new URL((start.json() as { authorizationUrl: string }).authorizationUrl);
  }

  it('completes authorization with HTTP Basic client authentication, PKCE and extra parameters', async () => {
    const linkId = await customLink({ clientAuth: 'basic', pkce: true, authorizeParams: { audience: 'https://api.example.test', prompt: 'consent' } });
    const view = LinkViewSchema.parse((await c.request({ method: 'GET', url: `/v1/links/${linkId}` })).json());
    expect(view.outgoing).toMatchObject({ clientAuth: 'basic', pkce: true, authorizeParams: { audience: 'https://api.example.test', prompt: 'consent' }, scopes: ['READ', 'WRITE'] });

    const url = await startAuthorization(linkId);
    expect(url.searchParams.get('audience')).toBe('https://api.example.test');
    expect(url.searchParams.get('prompt')).toBe('consent');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('scope')).toBe('READ WRITE');
    const { code, state } = await oidc.authorize(url.toString());
    c.watch.secret(code);
    const callback = await c.request({ method: 'GET', url: `/oauth/callback?code=${encodeURIComponent(code)}&state=${encodeURIComponent(state ?? '')}`, token: null });
    expect(callback.statusCode).toBe(200);
    // The secret went in the Basic header, not the body; the verifier went with the code.
    const shape = await oidc.lastTokenRequest();
    expect(shape).toMatchObject({ grantType: 'authorization_code', authorizationScheme: 'Basic' });
    expect(shape!.paramNames).toEqual(expect.arrayContaining(['code', 'code_verifier', 'redirect_uri']));
    expect(shape!.paramNames).not.toContain('client_secret');
    expect(LinkViewSchema.parse((await c.request({ method: 'GET', url: `/v1/links/${linkId}` })).json()).status).toBe('connected');
  });

  it('sends no code challenge when PKCE is turned off, and this server, which requires it, refuses', async () => {
    const linkId = await customLink({ clientAuth: 'basic', pkce: false });
    const url = await startAuthorization(linkId);
    expect(url.searchParams.has('code_challenge')).toBe(false);
    await expect(oidc.authorize(url.toString())).rejects.toBeInstanceOf(AuthorizationRefused);
    // Turned back on by an edit, the same link authorizes.
    const patched = await c.request({ method: 'PATCH', url: `/v1/links/${linkId}`, payload: { outgoing: { pkce: null } } });
    expect(LinkViewSchema.parse(patched.json()).outgoing.pkce).toBe(true);
    expect((await startAuthorization(linkId)).searchParams.get('code_challenge_method')).toBe('S256');
  });

  it('refuses an extra parameter that would replace one the connector sets, or carry a secret through the browser', async () => {
    const res = await c.request({ method: 'PATCH', url: `/v1/links/${await customLink({})}`, payload: { outgoing: { authorizeParams: { redirect_uri: 'https://evil.example' } } } });
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(res.json())).toContain('set by the connector itself');
    const secret = await c.request({ method: 'PATCH', url: `/v1/links/${await customLink({})}`, payload: { outgoing: { authorizeParams: { client_secret: 'x' } } } });
    expect(secret.statusCode).toBe(400);
    expect(JSON.stringify(secret.json())).toContain('passes through the browser');
  });
});
