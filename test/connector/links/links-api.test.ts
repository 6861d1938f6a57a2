import { LinkViewSchema, ErrorEnvelopeSchema, LinkListSchema } from '../../../contract';
import { startTestConnector, type TestConnector } from '../../helpers/connector-app';

const SECRET = 'dc-issued-client-secret-9f8e7d6c5b4a';

function jiraLink(overrides: Record<string, unknown> = {}) {
  return {
    name: 'Jira DC',
    remoteKind: 'jira',
    applicationUrl: 'https://jira.example.com/jira/',
    outgoing: { clientId: 'client-abc', clientSecret: SECRET, scopes: ['WRITE'] },
    ...overrides,
  };
}

describe.each(['sqlite', 'postgres'] as const)('links API on %s', (dialect) => {
  let c: TestConnector;
  beforeAll(async () => {
    c = await startTestConnector({ dialect });
    c.watch.secret(SECRET);
  });
  afterAll(async () => {
    await c.close();
  });

  it('creates a Jira link with endpoints from the preset and never returns the secret', async () => {
    const res = await c.request({ method: 'POST', url: '/v1/links', payload: jiraLink() });
    expect(res.statusCode).toBe(201);
    const link = LinkViewSchema.parse(res.json());
    expect(link.applicationUrl).toBe('https://jira.example.com/jira');
    expect(link.outgoing.tokenEndpoint).toBe('https://jira.example.com/jira/rest/oauth2/latest/token');
    expect(link.outgoing.authorizationEndpoint).toBe('https://jira.example.com/jira/rest/oauth2/latest/authorize');
    expect(link.outgoing.redirectUri).toBe('https://connector.example.test/oauth/callback');
    expect(link.outgoing.hasClientSecret).toBe(true);
    expect(link.outgoing.clientSecretFingerprint?.last4).toBe(SECRET.slice(-4));
    expect(link.status).toBe('needs-authorization');
    expect(res.body).not.toContain(SECRET);
  });

  it('keeps the client secret sealed in the store and it opens to the value sent', async () => {
    const res = await c.request({ method: 'POST', url: '/v1/links', payload: jiraLink({ name: 'sealed' }) });
    const id = LinkViewSchema.parse(res.json()).id;
    const sealed = await c.store.secrets.get(id, 'clientSecret');
    expect(sealed).toBeDefined();
    expect(sealed?.ciphertext).not.toContain(SECRET);
    await expect(c.vault.open(id, 'clientSecret', sealed!)).resolves.toBe(SECRET);
  });

  it('does not show the last 4 characters of a short secret', async () => {
    const res = await c.request({
      method: 'POST',
      url: '/v1/links',
      payload: jiraLink({ name: 'short', outgoing: { clientId: 'x', clientSecret: 'short-secret' } }),
    });
    expect(res.statusCode).toBe(201);
    expect(LinkViewSchema.parse(res.json()).outgoing.clientSecretFingerprint?.last4).toBeNull();
  });

  it('reads, lists in pages, updates and deletes a link', async () => {
    const created = LinkViewSchema.parse((await c.request({ method: 'POST', url: '/v1/links', payload: jiraLink({ name: 'crud' }) })).json());
    const got = await c.request({ method: 'GET', url: `/v1/links/${created.id}` });
    expect(LinkViewSchema.parse(got.json())).toEqual(created);

    const patched = await c.request({ method: 'PATCH', url: `/v1/links/${created.id}`, payload: { name: 'crud renamed', applicationUrl: 'https://jira2.example.com' } });
    expect(patched.statusCode).toBe(200);
    const after = LinkViewSchema.parse(patched.json());
    expect(after.name).toBe('crud renamed');
    expect(after.version).toBe(created.version + 1);
    // Endpoints that came from the preset follow the moved base URL.
    expect(after.outgoing.tokenEndpoint).toBe('https://jira2.example.com/rest/oauth2/latest/token');
    expect(after.outgoing.hasClientSecret).toBe(true);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await c.request({ method: 'GET', url: `/v1/links?limit=2${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}` });
      expect(page.statusCode).toBe(200);
      const body = LinkListSchema.parse(page.json());
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((l) => l.id));
      cursor = body.nextCursor;
    } while (cursor !== null);
    expect(seen).toContain(created.id);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(await c.store.links.count());

    expect((await c.request({ method: 'DELETE', url: `/v1/links/${created.id}` })).statusCode).toBe(204);
    expect((await c.request({ method: 'GET', url: `/v1/links/${created.id}` })).statusCode).toBe(404);
    expect(await c.store.secrets.get(created.id, 'clientSecret')).toBeUndefined();
    expect((await c.request({ method: 'DELETE', url: `/v1/links/${created.id}` })).statusCode).toBe(404);
  });

  it('removes the secret with clientSecret: null and says the link needs configuration', async () => {
    const created = LinkViewSchema.parse((await c.request({ method: 'POST', url: '/v1/links', payload: jiraLink({ name: 'clear' }) })).json());
    const res = await c.request({ method: 'PATCH', url: `/v1/links/${created.id}`, payload: { outgoing: { clientSecret: null } } });
    const link = LinkViewSchema.parse(res.json());
    expect(link.outgoing.hasClientSecret).toBe(false);
    expect(link.status).toBe('needs-configuration');
    expect(await c.store.secrets.get(created.id, 'clientSecret')).toBeUndefined();
  });

  it('keeps the secret expiry entered with the secret, forgets it when a new secret comes without one, and refuses a non-date', async () => {
    const payload = jiraLink({ name: 'expiring', outgoing: { clientId: 'x', clientSecret: SECRET, secretExpiresAt: '2027-06-30' } });
    const created = LinkViewSchema.parse((await c.request({ method: 'POST', url: '/v1/links', payload })).json());
    expect(created.outgoing.secretExpiresAt).toBe('2027-06-30');
    const renamed = await c.request({ method: 'PATCH', url: `/v1/links/${created.id}`, payload: { name: 'still expiring' } });
    expect(LinkViewSchema.parse(renamed.json()).outgoing.secretExpiresAt).toBe('2027-06-30');
    const rotated = await c.request({ method: 'PATCH', url: `/v1/links/${created.id}`, payload: { outgoing: { clientSecret: `${SECRET}-2` } } });
    expect(LinkViewSchema.parse(rotated.json()).outgoing.secretExpiresAt).toBeNull();
    const bad = await c.request({ method: 'PATCH', url: `/v1/links/${created.id}`, payload: { outgoing: { secretExpiresAt: '2027-02-31x' } } });
    expect(bad.statusCode).toBe(400);
    expect(ErrorEnvelopeSchema.parse(bad.json()).error.issues?.[0]?.path).toBe('outgoing.secretExpiresAt');
  });

  it('marks an outgoing-only link without authentication as such', async () => {
    const res = await c.request({ method: 'POST', url: '/v1/links', payload: { name: 'no auth', remoteKind: 'confluence', applicationUrl: 'https://wiki.example.com', authKind: 'none' } });
    expect(res.statusCode).toBe(201);
    expect(LinkViewSchema.parse(res.json()).status).toBe('outgoing-only');
  });

  it('refuses plain http to a host that is not allowed, and internal addresses', async () => {
    for (const [url, code] of [
      ['http://jira.example.com', 'INSECURE_URL'],
      ['https://127.0.0.1:8443', 'HOST_NOT_ALLOWED'],
      ['https://169.254.169.254', 'HOST_NOT_ALLOWED'],
      ['https://[::1]', 'HOST_NOT_ALLOWED'],
      ['https://10.1.2.3', 'HOST_NOT_ALLOWED'],
    ] as const) {
      const before = await c.store.links.count();
      const res = await c.request({ method: 'POST', url: '/v1/links', payload: jiraLink({ applicationUrl: url }) });
      expect({ url, status: res.statusCode, code: ErrorEnvelopeSchema.parse(res.json()).error.code }).toEqual({ url, status: 400, code });
      expect(await c.store.links.count()).toBe(before);
    }
  });

  it('names the field and the allowed values when a scope does not exist for the kind', async () => {
    const res = await c.request({ method: 'POST', url: '/v1/links', payload: jiraLink({ outgoing: { clientId: 'x', scopes: ['REPO_READ'] } }) });
    expect(res.statusCode).toBe(400);
    const body = ErrorEnvelopeSchema.parse(res.json());
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.issues?.[0]?.path).toBe('outgoing.scopes.0');
    expect(body.error.issues?.[0]?.message).toContain('READ, WRITE, ADMIN, SYSTEM_ADMIN');
  });

  it('refuses impersonation for a provider that cannot impersonate', async () => {
    const res = await c.request({
      method: 'POST',
      url: '/v1/links',
      payload: { name: 'g', remoteKind: 'google', applicationUrl: 'https://accounts.google.com', authKind: 'oauth2-impersonation' },
    });
    expect(res.statusCode).toBe(400);
    expect(ErrorEnvelopeSchema.parse(res.json()).error.issues?.map((i) => i.path)).toContain('authKind');
  });

  it('requires the endpoints of a custom provider', async () => {
    const res = await c.request({ method: 'POST', url: '/v1/links', payload: { name: 'c', remoteKind: 'custom', applicationUrl: 'https://idp.example.com' } });
    expect(res.statusCode).toBe(400);
    const paths = ErrorEnvelopeSchema.parse(res.json()).error.issues?.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['outgoing.authorizationEndpoint', 'outgoing.tokenEndpoint']));
  });

  it('fills the Microsoft tenant into its endpoints', async () => {
    const res = await c.request({
      method: 'POST',
      url: '/v1/links',
      payload: { name: 'ms', remoteKind: 'microsoft', applicationUrl: 'https://login.microsoftonline.com', outgoing: { tenant: 'contoso.onmicrosoft.com' } },
    });
    expect(res.statusCode).toBe(201);
    expect(LinkViewSchema.parse(res.json()).outgoing.tokenEndpoint).toBe('https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token');
  });

  it('answers 401 without a token or with a wrong one, and changes nothing', async () => {
    const before = await c.store.links.count();
    for (const token of [null, 'wrong-token', `${'x'.repeat(40)}`]) {
      const res = await c.request({ method: 'POST', url: '/v1/links', payload: jiraLink(), token });
      expect(res.statusCode).toBe(401);
      expect(ErrorEnvelopeSchema.parse(res.json()).error.code).toBe('UNAUTHENTICATED');
    }
    expect(await c.store.links.count()).toBe(before);
  });

  it('answers 404 with the envelope for an unknown link id and an unknown route', async () => {
    const unknown = await c.request({ method: 'GET', url: '/v1/links/5b0e8d0e-7c1a-4a52-9d1f-6d5b5e0f0a11' });
    expect(unknown.statusCode).toBe(404);
    expect(ErrorEnvelopeSchema.parse(unknown.json()).error.code).toBe('NOT_FOUND');
    const route = await c.request({ method: 'GET', url: '/v1/nothing-here' });
    expect(route.statusCode).toBe(404);
    expect(ErrorEnvelopeSchema.parse(route.json()).error.code).toBe('NOT_FOUND');
  });

  it('serves health, readiness, metrics and an OpenAPI document that lists every route', async () => {
    expect((await c.request({ method: 'GET', url: '/healthz', token: null })).json()).toEqual({ status: 'ok' });
    expect((await c.request({ method: 'GET', url: '/readyz', token: null })).json()).toEqual({ status: 'ready', store: dialect });
    const metrics = await c.request({ method: 'GET', url: '/metrics', token: null });
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.body).toMatch(/applinks_links \d+/);
    expect(metrics.body).toContain('applinks_http_requests_total{method="POST",route="/v1/links",status="201"}');
    const openapi = (await c.request({ method: 'GET', url: '/openapi.json', token: null })).json() as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(openapi.paths).sort()).toEqual([
      '/healthz',
      '/readyz',
      '/v1/consumers',
      '/v1/consumers/{id}',
      '/v1/health/transitions',
      '/v1/links',
      '/v1/links/credentials',
      '/v1/links/health',
      '/v1/links/{id}',
      '/v1/links/{id}/authorize',
      '/v1/links/{id}/health',
      '/v1/links/{id}/relocate',
      '/v1/links/{id}/test',
      '/v1/links/{id}/token',
      '/v1/links/{id}/users',
      '/v1/links/{id}/users/{subject}',
      '/v1/me/connections',
      '/v1/me/links/{id}/connect',
      '/v1/me/links/{id}/connection',
      '/v1/probe',
      '/v1/webhooks',
      '/v1/webhooks/{id}',
      '/v1/webhooks/{id}/deliveries',
    ]);
    expect(Object.keys(openapi.paths['/v1/links/{id}'] ?? {}).sort()).toEqual(['delete', 'get', 'patch']);
    expect(JSON.stringify(openapi)).toContain('clientSecret');
  });

  it('answers credential summaries for up to 500 link ids and refuses anything else', async () => {
    const ids = Array.from({ length: 501 }, (_, i) => `5b0e8d0e-7c1a-4a52-9d1f-${String(i).padStart(12, '0')}`);
    for (const payload of [{ ids: [] }, { ids: ['not-a-uuid'] }, { ids }, { ids: ids.slice(0, 1), extra: true }, {}]) {
      const res = await c.request({ method: 'POST', url: '/v1/links/credentials', payload });
      expect(res.statusCode).toBe(400);
      expect(ErrorEnvelopeSchema.parse(res.json()).error.code).toBe('VALIDATION_FAILED');
    }
    const unknown = await c.request({ method: 'POST', url: '/v1/links/credentials', payload: { ids: ids.slice(0, 500) } });
    expect(unknown.json()).toEqual({ items: [] });
    expect((await c.request({ method: 'POST', url: '/v1/links/credentials', payload: { ids: ids.slice(0, 1) }, token: null })).statusCode).toBe(401);
  });

  it('never let the client secret into a log line or response', () => {
    expect(c.watch.recordedCount).toBeGreaterThan(20);
    expect(c.watch.leaks()).toEqual([]);
  });
});

describe('operator API switched off', () => {
  it('answers 403 OPERATOR_API_DISABLED when CONNECTOR_ADMIN_TOKEN is unset', async () => {
    const c = await startTestConnector({ env: { CONNECTOR_ADMIN_TOKEN: '' } });
    try {
      const res = await c.request({ method: 'GET', url: '/v1/links', token: null });
      expect(res.statusCode).toBe(403);
      expect(ErrorEnvelopeSchema.parse(res.json()).error.code).toBe('OPERATOR_API_DISABLED');
      const guessed = await c.request({ method: 'GET', url: '/v1/links', token: '' + 'a'.repeat(40) });
      expect(guessed.statusCode).toBe(403);
    } finally {
      await c.close();
    }
  });
});

describe('allowed hosts', () => {
  it('accepts plain http and loopback for a host listed in CONNECTOR_ALLOWED_HOSTS', async () => {
    const c = await startTestConnector({ env: { CONNECTOR_ALLOWED_HOSTS: '127.0.0.1:8990,*.corp.example' } });
    try {
      const ok = await c.request({ method: 'POST', url: '/v1/links', payload: jiraLink({ applicationUrl: 'http://127.0.0.1:8990' }) });
      expect(ok.statusCode).toBe(201);
      const wildcard = await c.request({ method: 'POST', url: '/v1/links', payload: jiraLink({ applicationUrl: 'http://jira.corp.example' }) });
      expect(wildcard.statusCode).toBe(201);
      const otherPort = await c.request({ method: 'POST', url: '/v1/links', payload: jiraLink({ applicationUrl: 'http://127.0.0.1:9999' }) });
      expect(otherPort.statusCode).toBe(400);
    } finally {
      await c.close();
    }
  });
});
