import { LinkViewSchema, ProbeResultSchema } from '../../../contract';
import type { TestConnector } from '../../helpers/connector-app';
import { startSandboxDc, type SandboxDc } from '../../helpers/sandbox-dc';
import { checkBinding, originOf } from '../../../connector/src/links/secret-binding';
import { CLIENT_SECRET_FIELD } from '../../../connector/src/storage/store';
import { createLink, stageOf, startConnector, testLink } from './fixtures';

/** `POST /v1/probe` and `POST /v1/links/:id/relocate` against the sandbox Data Center. */
let dc: SandboxDc;
let bitbucket: SandboxDc;
let c: TestConnector;

beforeAll(async () => {
  [dc, bitbucket] = await Promise.all([startSandboxDc({ contextPath: '/jira' }), startSandboxDc({ settings: { manifest: { kind: 'bitbucket' } } })]);
  c = await startConnector();
});
afterAll(async () => {
  expect(c.watch.leaks()).toEqual([]);
  await c.close();
  await Promise.all([dc.stop(), bitbucket.stop()]);
});
afterEach(async () => {
  await dc.configure({ manifest: {}, manifestRedirect: null, manifestFormat: 'auto', oauthMetadata: false });
});

async function probe(url: string, kind?: string) {
  const res = await c.request({ method: 'POST', url: '/v1/probe', payload: kind === undefined ? { url } : { url, kind } });
  return { status: res.statusCode, body: res.json() as Record<string, unknown> };
}

it('reports a Jira Data Center under a context path: kind, version, build, display URL, OAuth 2.0 support', async () => {
  const { status, body } = await probe(`${dc.baseUrl}/`);
  expect(status).toBe(200);
  expect(ProbeResultSchema.parse(body)).toMatchObject({
    url: dc.baseUrl,
    code: 'OK',
    atlassian: true,
    kind: 'jira',
    typeId: 'jira',
    version: '11.2.0',
    buildNumber: '11020000',
    displayUrl: dc.baseUrl,
    displayUrlDiffers: false,
    oauth2: { supported: true, minimumVersion: '11.2' },
    redirected: false,
    location: null,
  });
});

it('reads the OAuth 2.0 server metadata (RFC 8414) where the remote serves it, and reports none where it does not', async () => {
  expect(ProbeResultSchema.parse((await probe(dc.baseUrl)).body).oauth2.metadata).toBeNull();
  await dc.configure({ oauthMetadata: true });
  const result = ProbeResultSchema.parse((await probe(dc.baseUrl)).body);
  expect(result.oauth2.metadata).toEqual({
    issuer: dc.issuer,
    authorizationEndpoint: dc.authorizationEndpoint,
    tokenEndpoint: dc.tokenEndpoint,
    // Read since custom providers' settings (issue 14 item 1): what this document publishes besides.
    revocationEndpoint: null,
    userinfoEndpoint: null,
    scopesSupported: [],
    tokenEndpointAuthMethods: [],
    codeChallengeMethods: ['S256'],
    source: 'oauth-authorization-server',
  });
  expect(result.oauth2.supported).toBe(true);
});

it('reads the XML manifest when the remote ignores Accept: application/json', async () => {
  await dc.configure({ manifestFormat: 'xml', manifest: { kind: 'jira', name: 'Jira <EMEA> & Co' } });
  const { body } = await probe(dc.baseUrl);
  expect(body).toMatchObject({ code: 'OK', kind: 'jira', name: 'Jira <EMEA> & Co', version: '11.2.0', displayUrl: dc.baseUrl });
});

it('knows that typeId stash is Bitbucket', async () => {
  const { body } = await probe(bitbucket.baseUrl);
  expect(body).toMatchObject({ kind: 'bitbucket', typeId: 'stash', oauth2: { supported: true, minimumVersion: '10.1' } });
});

it('says when the version is too old for OAuth 2.0 links (Jira 11.1)', async () => {
  await dc.configure({ manifest: { kind: 'jira', version: '11.1.0' } });
  const { body } = await probe(dc.baseUrl);
  expect(body).toMatchObject({ code: 'VERSION_UNSUPPORTED', oauth2: { supported: false, minimumVersion: '11.2' } });
});

it('flags a display URL that differs from the URL given', async () => {
  await dc.configure({ manifest: { kind: 'jira', displayUrl: 'https://jira.example.test' } });
  const { body } = await probe(dc.baseUrl);
  expect(body).toMatchObject({ code: 'DISPLAY_URL_MISMATCH', displayUrlDiffers: true, displayUrl: 'https://jira.example.test' });
});

it('reports a redirect and where it goes, without following it', async () => {
  await dc.configure({ manifestRedirect: 'https://jira.example.test/jira/rest/applinks/1.0/manifest' });
  const { body } = await probe(dc.baseUrl);
  expect(body).toMatchObject({ code: 'URL_REDIRECTED', redirected: true, location: 'https://jira.example.test/jira/rest/applinks/1.0/manifest', atlassian: false });
});

it('says when the URL is not an Atlassian application (wrong context path)', async () => {
  const { body } = await probe(dc.issuer);
  expect(body).toMatchObject({ code: 'NOT_ATLASSIAN', atlassian: false, kind: null });
});

it('reports a host that does not resolve', async () => {
  const { status, body } = await probe('https://jira.sandbox.invalid');
  expect(status).toBe(200);
  expect(body).toMatchObject({ code: 'DNS_FAILED', atlassian: false });
});

it('does not fetch anything for external providers', async () => {
  const { body } = await probe('https://accounts.google.com', 'google');
  expect(body).toMatchObject({ code: 'OK', atlassian: false });
  expect(String(body.message)).toContain('no applinks manifest');
});

it('refuses the cloud metadata address and other internal hosts before sending anything', async () => {
  const metadata = await probe('http://169.254.169.254/');
  expect(metadata.status).toBe(400);
  expect(metadata.body).toMatchObject({ error: { code: 'HOST_NOT_ALLOWED' } });
  expect((await probe('https://10.0.0.8/jira')).body).toMatchObject({ error: { code: 'HOST_NOT_ALLOWED' } });
  expect((await probe('https://localhost:8443')).body).toMatchObject({ error: { code: 'HOST_NOT_ALLOWED' } });
  expect((await probe('http://jira.example.test')).body).toMatchObject({ error: { code: 'INSECURE_URL' } });
  expect((await probe('ftp://jira.example.test')).status).toBe(400);
});

it('refuses a public-looking name that resolves to 127.0.0.1', async () => {
  const other = await startConnector({ watch: c.watch, discovery: { resolve: async () => [{ address: '127.0.0.1', family: 4 }] } });
  try {
    const res = await other.request({ method: 'POST', url: '/v1/probe', payload: { url: 'https://jira.example.test' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'HOST_NOT_ALLOWED' } });
    expect(res.body).toContain('127.0.0.1');
  } finally {
    await other.close();
  }
});

it('needs the operator (or Forge) to call it', async () => {
  const res = await c.request({ method: 'POST', url: '/v1/probe', payload: { url: dc.baseUrl }, token: null });
  expect(res.statusCode).toBe(401);
});

describe('relocate', () => {
  it('probes the new URL and moves the link with the endpoints that followed the old one', async () => {
    const old = await startSandboxDc({ contextPath: '/old' });
    try {
      const linkId = await createLink(c, old, 'post');
      // Another host, so another token origin: the client secret is entered again with the move.
      const clientSecret = dc.clients.post!.clientSecret;
      c.watch.secret(clientSecret);
      const moved = await c.request({ method: 'POST', url: `/v1/links/${linkId}/relocate`, payload: { applicationUrl: dc.baseUrl, clientSecret } });
      expect(moved.statusCode).toBe(200);
      const view = LinkViewSchema.parse(moved.json());
      expect(view.applicationUrl).toBe(dc.baseUrl);
      expect(view.outgoing.tokenEndpoint).toBe(`${dc.baseUrl}/rest/oauth2/latest/token`);
    } finally {
      await old.stop();
    }
  });

  const relocate = async (linkId: string, payload: Record<string, unknown>) => {
    const res = await c.request({ method: 'POST', url: `/v1/links/${linkId}/relocate`, payload });
    return { status: res.statusCode, body: res.json() as Record<string, unknown> };
  };
  const read = async (linkId: string) => LinkViewSchema.parse((await c.request({ method: 'GET', url: `/v1/links/${linkId}` })).json());

  it('refuses a move to another token origin without the client secret: a 400 that says why, nothing changed, and the new host never receives the secret', async () => {
    // A host anyone could run: it serves a Jira manifest, so the probe passes.
    const hostile = await startSandboxDc();
    try {
      const linkId = await createLink(c, dc, 'post');
      const before = await read(linkId);
      const refused = await relocate(linkId, { applicationUrl: hostile.baseUrl });
      expect(refused.status).toBe(400);
      const error = (refused.body as { error: { code: string; message: string; issues: { path: string }[] } }).error;
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.message).toContain('The link was not moved');
      expect(error.message).toContain('enter the client secret again');
      expect(error.message).toContain(originOf(hostile.tokenEndpoint)!);
      expect(error.issues).toEqual([expect.objectContaining({ path: 'outgoing.clientSecret' })]);
      expect(await read(linkId)).toEqual(before);
      // Everything that sends the secret (test connection, authorize) still goes to the old host only.
      await hostile.resetCounts();
      await dc.resetCounts();
      expect(stageOf(await testLink(c, linkId), 'credentials').status).toBe('pass');
      expect(await hostile.counts()).toEqual({});
      expect(await dc.counts()).toEqual({ authorization_code: 1 });
    } finally {
      await hostile.stop();
    }
  });

  it('stores a client secret entered with the move, sealed, with a new fingerprint, and binds it to the new origin in the same request', async () => {
    const old = await startSandboxDc({ contextPath: '/old' });
    const oldClient = old.clients.post!;
    // The new host knows the same client ID with another secret: the credentials stage passes only if that secret is sent.
    const moved = await startSandboxDc({ clients: { post: { clientId: oldClient.clientId, authMethod: 'client_secret_post', grantTypes: ['authorization_code', 'refresh_token'] } } });
    try {
      const linkId = await createLink(c, old, 'post');
      const before = await read(linkId);
      const clientSecret = moved.clients.post!.clientSecret;
      c.watch.secret(clientSecret);
      const res = await relocate(linkId, { applicationUrl: moved.baseUrl, clientSecret });
      expect(res.status).toBe(200);
      const after = LinkViewSchema.parse(res.body);
      expect(after).toMatchObject({ applicationUrl: moved.baseUrl, status: 'needs-authorization', outgoing: { tokenEndpoint: moved.tokenEndpoint, hasClientSecret: true } });
      expect(after.outgoing.clientSecretFingerprint?.last4).toBe(clientSecret.slice(-4));
      expect(after.outgoing.clientSecretFingerprint?.setAt).not.toBe(before.outgoing.clientSecretFingerprint?.setAt);
      const sealed = (await c.store.secrets.get(linkId, CLIENT_SECRET_FIELD))!;
      expect(JSON.stringify(sealed)).not.toContain(clientSecret);
      expect(await c.vault.open(linkId, CLIENT_SECRET_FIELD, sealed)).toBe(clientSecret);
      expect(await checkBinding(c.store, linkId, originOf(moved.tokenEndpoint)!, clientSecret)).toEqual({ ok: true });
      await old.resetCounts();
      await moved.resetCounts();
      expect(stageOf(await testLink(c, linkId), 'credentials').status).toBe('pass');
      expect(await moved.counts()).toEqual({ authorization_code: 1 });
      expect(await old.counts()).toEqual({});
    } finally {
      await Promise.all([old.stop(), moved.stop()]);
    }
  });

  it('needs no secret when the token endpoint keeps its origin: a new context path on the same host, or a custom provider whose endpoints did not move', async () => {
    const sameHost = await createLink(c, { baseUrl: `${dc.issuer}/before`, clients: dc.clients }, 'post');
    const before = await read(sameHost);
    const res = await relocate(sameHost, { applicationUrl: dc.baseUrl });
    expect(res.status).toBe(200);
    const after = LinkViewSchema.parse(res.body);
    expect(after.outgoing.tokenEndpoint).toBe(dc.tokenEndpoint);
    expect(after.outgoing.clientSecretFingerprint).toEqual(before.outgoing.clientSecretFingerprint);
    // The binding still holds for the origin: the secret is sent to the moved endpoint.
    expect(stageOf(await testLink(c, sameHost), 'credentials').status).toBe('pass');

    const client = dc.clients.post!;
    const custom = await createLink(c, dc, 'post', {
      remoteKind: 'custom',
      outgoing: { clientId: client.clientId, clientSecret: client.clientSecret, scopes: ['READ'], authorizationEndpoint: dc.authorizationEndpoint, tokenEndpoint: dc.tokenEndpoint },
    });
    const customBefore = await read(custom);
    const elsewhere = await relocate(custom, { applicationUrl: 'http://127.0.0.1:9/app' });
    expect(elsewhere.status).toBe(200);
    expect(LinkViewSchema.parse(elsewhere.body)).toMatchObject({ applicationUrl: 'http://127.0.0.1:9/app', outgoing: { tokenEndpoint: dc.tokenEndpoint, clientSecretFingerprint: customBefore.outgoing.clientSecretFingerprint } });
  });

  it('refuses to move a Jira link to a Bitbucket, or to a URL that is not Atlassian, and says why', async () => {
    const linkId = await createLink(c, dc, 'post');
    const toBitbucket = await c.request({ method: 'POST', url: `/v1/links/${linkId}/relocate`, payload: { applicationUrl: bitbucket.baseUrl } });
    expect(toBitbucket.statusCode).toBe(400);
    expect(toBitbucket.body).toContain('KIND_MISMATCH');
    const nowhere = await c.request({ method: 'POST', url: `/v1/links/${linkId}/relocate`, payload: { applicationUrl: dc.issuer } });
    expect(nowhere.statusCode).toBe(400);
    expect(nowhere.body).toContain('NOT_ATLASSIAN');
    expect(LinkViewSchema.parse((await c.request({ method: 'GET', url: `/v1/links/${linkId}` })).json()).applicationUrl).toBe(dc.baseUrl);
  });

  it('moves to a URL whose display URL differs only when the admin confirms that display URL', async () => {
    const linkId = await createLink(c, dc, 'post');
    await dc.configure({ manifest: { kind: 'jira', displayUrl: 'https://jira.example.test' } });
    const unconfirmed = await c.request({ method: 'POST', url: `/v1/links/${linkId}/relocate`, payload: { applicationUrl: dc.baseUrl } });
    expect(unconfirmed.statusCode).toBe(400);
    expect(unconfirmed.body).toContain('DISPLAY_URL_MISMATCH');
    const confirmed = await c.request({ method: 'POST', url: `/v1/links/${linkId}/relocate`, payload: { applicationUrl: dc.baseUrl, displayUrl: 'https://jira.example.test' } });
    expect(confirmed.statusCode).toBe(200);
    expect(LinkViewSchema.parse(confirmed.json()).displayUrl).toBe('https://jira.example.test');
  });
});
