import { randomBytes } from 'node:crypto';
import { ErrorEnvelopeSchema, LinkViewSchema } from '../../../contract';
import { ACCESS_TOKEN_FIELD, REFRESH_TOKEN_FIELD, tokenOwnerId } from '../../../connector/src/storage/store';
import { credentialKey } from '../../../connector/src/credentials/cache';
import type { TestConnector } from '../../helpers/connector-app';
import { createTestDatabase } from '../../helpers/postgres';
import { startOidcServer, type OidcServer } from '../../helpers/oidc-server';
import {
  CALLBACK,
  HOUR,
  authorize,
  createConsumer,
  createLink,
  isIssuingResponse,
  readToken,
  startConnector,
  storedRefreshToken,
  waitFor,
  type Clock,
} from './lifecycle-steps';

/**
 * The token lifecycle against a real OAuth 2.0 server (oidc-provider, rotating single-use refresh
 * tokens as Data Center has them). The connector's clock is ours to move; the provider's is real.
 */
describe.each(['sqlite', 'postgres'] as const)('token lifecycle on %s', (dialect) => {
  let oidc: OidcServer;
  let c: TestConnector;
  const clock: Clock = { t: Date.now() };

  beforeAll(async () => {
    oidc = await startOidcServer({
      clients: {
        dc: { authMethod: 'client_secret_post', grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [CALLBACK] },
        service: { authMethod: 'client_secret_basic', grantTypes: ['client_credentials'], scope: 'READ' },
      },
    });
    c = await startConnector(dialect, clock);
  });
  afterAll(async () => {
    expect(c.watch.leaks()).toEqual([]);
    await c.close();
    await oidc.stop();
  });

  it('authorizes with PKCE through the callback, stores the tokens sealed, and serves them to a consumer', async () => {
    const linkId = await createLink(c, oidc, 'dc');
    const fresh = LinkViewSchema.parse((await c.request({ method: 'GET', url: `/v1/links/${linkId}` })).json());
    expect(fresh.credential).toMatchObject({ state: 'none', expiresAt: null, users: { authorized: 0 } });
    const result = await authorize(c, oidc, linkId);
    expect(result.status).toBe(200);
    expect(result.body).toContain('Connected');
    const link = LinkViewSchema.parse((await c.request({ method: 'GET', url: `/v1/links/${linkId}` })).json());
    expect(link.status).toBe('connected');

    const stored = await c.store.tokens.get(linkId, '');
    expect(stored?.record).toMatchObject({ state: 'valid', hasRefreshToken: true, scopes: ['READ'] });
    // The link's views carry the credential's state and times, never a token.
    const expected = { state: 'valid', expiresAt: stored!.record.expiresAt, refreshAt: stored!.record.refreshAt, hasRefreshToken: true, failedRefreshes: 0 };
    expect(link.credential).toMatchObject(expected);
    const listed = (await c.request({ method: 'GET', url: '/v1/links?limit=500' })).json() as { items: { id: string; credential: unknown }[] };
    expect(listed.items.find((item) => item.id === linkId)?.credential).toMatchObject(expected);
    const summaries = await c.request({ method: 'POST', url: '/v1/links/credentials', payload: { ids: [linkId, '5b0e8d0e-7c1a-4a52-9d1f-6d5b5e0f0a11'] } });
    expect(summaries.statusCode).toBe(200);
    expect(summaries.json()).toEqual({ items: [{ id: linkId, credential: link.credential }] });
    const apiKey = await createConsumer(c, [linkId]);
    const token = await readToken(c, linkId, apiKey);
    expect(token.status).toBe(200);
    expect(stored?.accessToken.ciphertext).not.toContain(token.body.accessToken);
    await expect(c.vault.open(tokenOwnerId(linkId, ''), ACCESS_TOKEN_FIELD, stored!.accessToken)).resolves.toBe(token.body.accessToken);
  });

  it('refreshes once when 200 requests arrive after expiry, and every request gets the new token', async () => {
    const linkId = await createLink(c, oidc, 'dc');
    expect((await authorize(c, oidc, linkId)).status).toBe(200);
    const apiKey = await createConsumer(c, [linkId]);
    const before = (await readToken(c, linkId, apiKey)).body.accessToken;

    clock.t += HOUR + 1_000;
    await oidc.resetCounts();
    const answers = await Promise.all(Array.from({ length: 200 }, () => readToken(c, linkId, apiKey)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const tokens = new Set(answers.map((a) => a.body.accessToken));
    expect(tokens.size).toBe(1);
    expect(tokens.has(before)).toBe(false);
    expect(await oidc.counts()).toEqual({ refresh_token: 1 });

    // The rotated grant is still good: the next expiry refreshes again.
    clock.t += HOUR + 1_000;
    const again = await readToken(c, linkId, apiKey);
    expect(again.status).toBe(200);
    expect(tokens.has(again.body.accessToken!)).toBe(false);
    expect(await oidc.counts()).toEqual({ refresh_token: 2 });
  });

  it('marks the link "needs re-authorization" on invalid_grant, and authorizing again recovers it', async () => {
    const linkId = await createLink(c, oidc, 'dc');
    expect((await authorize(c, oidc, linkId)).status).toBe(200);
    const apiKey = await createConsumer(c, [linkId]);
    // Someone refreshes with the same refresh token outside the connector (the classic "rotated
    // token used twice" fault): the provider revokes the whole grant.
    const stolen = await storedRefreshToken(c, linkId);
    const client = oidc.clients.dc!;
    const outside = await fetch(oidc.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: stolen, client_id: client.clientId, client_secret: client.clientSecret, redirect_uri: CALLBACK }),
    });
    expect(outside.status).toBe(200);
    const reused = await fetch(oidc.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: stolen, client_id: client.clientId, client_secret: client.clientSecret, redirect_uri: CALLBACK }),
    });
    expect(reused.status).toBe(400);

    clock.t += HOUR + 1_000;
    const failed = await readToken(c, linkId, apiKey);
    expect(failed.status).toBe(409);
    expect(failed.body.error?.code).toBe('NEEDS_REAUTHORIZATION');
    const link = LinkViewSchema.parse((await c.request({ method: 'GET', url: `/v1/links/${linkId}` })).json());
    expect(link.status).toBe('needs-reauthorization');
    expect(link.statusReason).toContain('invalid_grant');
    expect(link.credential).toMatchObject({ state: 'needs-reauthorization', refreshAt: null, lastErrorCode: 'INVALID_GRANT' });
    const metrics = (await c.request({ method: 'GET', url: '/metrics', token: null })).body;
    expect(metrics).toMatch(/applinks_credentials\{state="needs-reauthorization"\} [1-9]/);
    expect(metrics).toMatch(/applinks_token_refreshes_total\{outcome="needs-reauthorization"\} [1-9]/);

    // No retry storm: asking again does not call the provider.
    await oidc.resetCounts();
    expect((await readToken(c, linkId, apiKey)).status).toBe(409);
    expect(await oidc.counts()).toEqual({});

    expect((await authorize(c, oidc, linkId)).status).toBe(200);
    expect((await readToken(c, linkId, apiKey)).status).toBe(200);
    const recovered = LinkViewSchema.parse((await c.request({ method: 'GET', url: `/v1/links/${linkId}` })).json());
    expect(recovered.status).toBe('connected');
    expect(recovered.credential).toMatchObject({ state: 'valid', failedRefreshes: 0, lastErrorCode: null });
  });

  it('treats a 200 answer that carries an error as a failed refresh and backs off', async () => {
    const linkId = await createLink(c, oidc, 'dc');
    expect((await authorize(c, oidc, linkId)).status).toBe(200);
    const apiKey = await createConsumer(c, [linkId]);
    clock.t += HOUR + 1_000;
    await oidc.misbehave('error-200');
    const failed = await readToken(c, linkId, apiKey);
    expect(failed.status).toBe(409);
    // The body said invalid_grant: that is what the provider meant, so the link needs a person.
    expect(failed.body.error?.code).toBe('NEEDS_REAUTHORIZATION');
    expect((await c.store.tokens.get(linkId, ''))?.record.lastErrorCode).toBe('INVALID_GRANT');
  });

  it('keeps serving the cached token while a hanging token endpoint times out, then backs off', async () => {
    const linkId = await createLink(c, oidc, 'dc');
    expect((await authorize(c, oidc, linkId)).status).toBe(200);
    const apiKey = await createConsumer(c, [linkId]);
    const cached = (await readToken(c, linkId, apiKey)).body.accessToken;
    const record = (await c.store.tokens.get(linkId, ''))!.record;
    // Inside the refresh margin, not yet expired.
    clock.t = Date.parse(record.refreshAt) + 1_000;
    await oidc.misbehave('hang');
    const started = Date.now();
    const during = await Promise.all(Array.from({ length: 20 }, () => readToken(c, linkId, apiKey)));
    expect(Date.now() - started).toBeLessThan(500);
    expect(during.every((a) => a.status === 200 && a.body.accessToken === cached)).toBe(true);
    // The background refresh gives up at the 1 s limit and schedules a retry.
    await waitFor(async () => (await c.store.tokens.get(linkId, ''))?.record.failureCount === 1, 3_000);
    const after = (await c.store.tokens.get(linkId, ''))!.record;
    expect(after.lastErrorCode).toBe('TIMEOUT');
    expect(Date.parse(after.nextAttemptAt!)).toBeGreaterThan(clock.t);
    expect((await readToken(c, linkId, apiKey)).body.accessToken).toBe(cached);
    const view = async () => LinkViewSchema.parse((await c.request({ method: 'GET', url: `/v1/links/${linkId}` })).json()).credential;
    expect(await view()).toMatchObject({ state: 'valid', failedRefreshes: 1, lastErrorCode: 'TIMEOUT' });
    // A timeout while the token still works is no reason to alarm anyone.
    expect(LinkViewSchema.parse((await c.request({ method: 'GET', url: `/v1/links/${linkId}` })).json()).status).toBe('connected');
    // Past its expiry with the renewal still failing, the view says so.
    clock.t = Date.parse(record.expiresAt) + 1_000;
    expect(await view()).toMatchObject({ state: 'expired', expiresAt: record.expiresAt, lastErrorCode: 'TIMEOUT' });
  });

  it('drops the stored tokens when the token endpoint or client changes, and keeps them for a rename', async () => {
    const linkId = await createLink(c, oidc, 'dc');
    expect((await authorize(c, oidc, linkId)).status).toBe(200);
    const apiKey = await createConsumer(c, [linkId]);
    expect((await readToken(c, linkId, apiKey)).status).toBe(200);
    const patch = async (payload: Record<string, unknown>) => LinkViewSchema.parse((await c.request({ method: 'PATCH', url: `/v1/links/${linkId}`, payload })).json());

    expect((await patch({ name: 'Renamed' })).credential.state).toBe('valid');
    expect((await readToken(c, linkId, apiKey)).status).toBe(200);

    // Another token endpoint (the remote moved, or it is another server): the old refresh token must not go there.
    await oidc.resetCounts();
    const moved = await patch({ outgoing: { tokenEndpoint: `${oidc.baseUrl}/elsewhere/token` } });
    expect(moved.status).toBe('needs-authorization');
    expect(moved.credential.state).toBe('none');
    expect(await c.store.tokens.listForLink(linkId)).toEqual([]);
    const refused = await readToken(c, linkId, apiKey);
    expect(refused.status).toBe(409);
    expect(refused.body.error?.code).toBe('NOT_AUTHORIZED');
    expect(await oidc.counts()).toEqual({});
  });

  it('gets a token with client credentials without a browser step', async () => {
    const client = oidc.clients.service!;
    c.watch.secret(client.clientSecret);
    const created = await c.request({
      method: 'POST',
      url: '/v1/links',
      payload: {
        name: 'Internal service',
        remoteKind: 'custom',
        applicationUrl: oidc.baseUrl,
        outgoing: { clientId: client.clientId, clientSecret: client.clientSecret, grantType: 'client_credentials', scopes: ['READ'], tokenEndpoint: oidc.tokenEndpoint },
      },
    });
    expect(created.statusCode).toBe(201);
    const linkId = LinkViewSchema.parse(created.json()).id;
    const start = await c.request({ method: 'POST', url: `/v1/links/${linkId}/authorize`, payload: {} });
    expect(start.statusCode).toBe(200);
    expect(start.json()).toEqual({ authorizationUrl: null, expiresAt: null });
    const apiKey = await createConsumer(c, [linkId]);
    const token = await readToken(c, linkId, apiKey);
    expect(token.status).toBe(200);
    // Expired client-credentials tokens are simply obtained again.
    clock.t += HOUR + 1_000;
    await oidc.resetCounts();
    expect((await readToken(c, linkId, apiKey)).status).toBe(200);
    expect(await oidc.counts()).toEqual({ client_credentials: 1 });
  });

  it('answers the callback with a readable page for replayed, unknown, expired and denied requests', async () => {
    const linkId = await createLink(c, oidc, 'dc');
    const start = await c.request({ method: 'POST', url: `/v1/links/${linkId}/authorize`, payload: {} });
    const { code, state } = await oidc.authorize((start.json() as { authorizationUrl: string }).authorizationUrl);
    c.watch.secret(code);
    const url = `/oauth/callback?code=${encodeURIComponent(code)}&state=${encodeURIComponent(state!)}`;
    expect((await c.request({ method: 'GET', url, token: null })).statusCode).toBe(200);
    const replay = await c.request({ method: 'GET', url, token: null });
    expect(replay.statusCode).toBe(400);
    expect(replay.headers['content-type']).toContain('text/html');
    expect(replay.body).toContain('Already used');

    const unknown = await c.request({ method: 'GET', url: `/oauth/callback?code=x&state=${randomBytes(16).toString('base64url')}`, token: null });
    expect(unknown.body).toContain('Unknown authorization request');
    expect((await c.request({ method: 'GET', url: '/oauth/callback', token: null })).body).toContain('needs a state');

    const late = await c.request({ method: 'POST', url: `/v1/links/${linkId}/authorize`, payload: {} });
    const lateState = new URL((late.json() as { authorizationUrl: string }).authorizationUrl).searchParams.get('state')!;
    clock.t += 11 * 60_000;
    expect((await c.request({ method: 'GET', url: `/oauth/callback?code=abc&state=${encodeURIComponent(lateState)}`, token: null })).body).toContain('Authorization expired');

    const denied = await c.request({ method: 'POST', url: `/v1/links/${linkId}/authorize`, payload: {} });
    const deniedState = new URL((denied.json() as { authorizationUrl: string }).authorizationUrl).searchParams.get('state')!;
    const page = await c.request({ method: 'GET', url: `/oauth/callback?error=access_denied&error_description=${encodeURIComponent('<script>x</script>')}&state=${encodeURIComponent(deniedState)}`, token: null });
    expect(page.statusCode).toBe(400);
    expect(page.body).toContain('Access was not granted');
    expect(page.body).not.toContain('<script>');
  });

  it('refuses token reads with a wrong key, a key for another link, or a deleted consumer', async () => {
    const linkA = await createLink(c, oidc, 'dc');
    const linkB = await createLink(c, oidc, 'dc');
    expect((await authorize(c, oidc, linkA)).status).toBe(200);
    const keyB = await createConsumer(c, [linkB]);
    expect((await readToken(c, linkA, keyB)).status).toBe(403);
    const keyA = await createConsumer(c, [linkA]);
    const forged = `${keyA.slice(0, -4)}AAAA`;
    expect((await readToken(c, linkA, forged)).status).toBe(401);
    expect((await readToken(c, linkA, 'not-an-api-key')).status).toBe(401);
    const consumers = (await c.request({ method: 'GET', url: '/v1/consumers' })).json() as { items: { id: string }[] };
    expect(JSON.stringify(consumers)).not.toContain(keyA);
    const idA = keyA.split('_')[1]!;
    expect((await c.request({ method: 'DELETE', url: `/v1/consumers/${idA}` })).statusCode).toBe(204);
    expect((await readToken(c, linkA, keyA)).status).toBe(401);
    // The operator token is not a consumer key.
    const operator = await c.request({ method: 'GET', url: `/v1/links/${linkA}/token` });
    expect(ErrorEnvelopeSchema.parse(operator.json()).error.code).toBe('UNAUTHENTICATED');
  });

  it('keeps the old refresh token when a refresh answer omits it', async () => {
    const plain = await startOidcServer({
      rotateRefreshTokens: false,
      clients: { dc: { authMethod: 'client_secret_post', grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [CALLBACK] } },
    });
    try {
      const linkId = await createLink(c, plain, 'dc');
      expect((await authorize(c, plain, linkId)).status).toBe(200);
      const apiKey = await createConsumer(c, [linkId]);
      const original = await storedRefreshToken(c, linkId);
      await plain.misbehave('omit-refresh-token');
      clock.t += HOUR + 1_000;
      expect((await readToken(c, linkId, apiKey)).status).toBe(200);
      expect(await storedRefreshToken(c, linkId)).toBe(original);
      clock.t += HOUR + 1_000;
      await plain.resetCounts();
      expect((await readToken(c, linkId, apiKey)).status).toBe(200);
      expect(await plain.counts()).toEqual({ refresh_token: 1 });
    } finally {
      await plain.stop();
    }
  });
});

describe('three connector replicas sharing PostgreSQL', () => {
  let oidc: OidcServer;
  let replicas: TestConnector[];
  let drop: () => Promise<void>;
  const clock: Clock = { t: Date.now() };

  beforeAll(async () => {
    oidc = await startOidcServer({ clients: { dc: { authMethod: 'client_secret_post', grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [CALLBACK] } } });
    const db = await createTestDatabase();
    drop = db.drop;
    const masterKey = randomBytes(32);
    replicas = [];
    for (let i = 0; i < 3; i += 1) replicas.push(await startConnector('postgres', clock, { databaseUrl: db.url, masterKey }));
  });
  afterAll(async () => {
    for (const r of replicas) {
      expect(r.watch.leaks()).toEqual([]);
      await r.close();
    }
    await drop();
    await oidc.stop();
  });

  it('refresh once for 200 requests spread over the replicas, and every replica serves the new token', async () => {
    const [a] = replicas as [TestConnector, TestConnector, TestConnector];
    const linkId = await createLink(a, oidc, 'dc');
    for (const r of replicas) r.watch.secret(oidc.clients.dc!.clientSecret);
    expect((await authorize(a, oidc, linkId)).status).toBe(200);
    const apiKey = await createConsumer(a, [linkId]);
    for (const r of replicas) r.watch.secret(apiKey, isIssuingResponse);
    const first = await Promise.all(replicas.map((r) => readToken(r, linkId, apiKey)));
    expect(new Set(first.map((x) => x.body.accessToken)).size).toBe(1);

    clock.t += HOUR + 1_000;
    await oidc.resetCounts();
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => readToken(replicas[i % 3]!, linkId, apiKey)));
    expect(answers.map((x) => x.status).filter((s) => s !== 200)).toEqual([]);
    const tokens = new Set(answers.map((x) => x.body.accessToken));
    expect(tokens.size).toBe(1);
    expect(tokens.has(first[0]!.body.accessToken)).toBe(false);
    expect(await oidc.counts()).toEqual({ refresh_token: 1 });
  });

  it('a refresh on one replica updates the others\' view through the change feed', async () => {
    const [a, b] = replicas as [TestConnector, TestConnector, TestConnector];
    const linkId = await createLink(a, oidc, 'dc');
    expect((await authorize(a, oidc, linkId)).status).toBe(200);
    const apiKey = await createConsumer(a, [linkId]);
    for (const r of replicas) r.watch.secret(apiKey, isIssuingResponse);
    const old = (await readToken(b, linkId, apiKey)).body.accessToken;
    // Refresh on A only (the scheduler's path), then B must serve the new token.
    const record = (await a.store.tokens.get(linkId, ''))!.record;
    clock.t = Date.parse(record.refreshAt) + 1_000;
    expect(b.app.connector.credentials.cache.get(credentialKey(linkId, ''))?.accessToken).toBe(old);
    expect(await a.app.connector.credentials.refresh(linkId, '', { wait: true })).toBe('refreshed');
    // B made no call: only the change feed can have dropped its stale entry.
    await waitFor(async () => b.app.connector.credentials.cache.get(credentialKey(linkId, '')) === undefined, 2_000);
    const fresh = await readToken(b, linkId, apiKey);
    expect(fresh.body.accessToken).not.toBe(old);
    expect(fresh.body.accessToken).toBe((await readToken(a, linkId, apiKey)).body.accessToken);
  });
});

