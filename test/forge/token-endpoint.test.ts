import { ClientCredentials, type AccessToken, type ModuleOptions } from 'simple-oauth2';
import type { ForgeLinkView, IssuedIncomingCredentials } from '../../contract';
import { createPingApi } from '../../src/incoming/ping-api';
import { createTokenEndpoint } from '../../src/incoming/token-endpoint';
import { ACCESS_TOKEN_SECONDS, TokenService } from '../../src/incoming/token-service';
import { hashSecret } from '../../src/incoming/secret-hash';
import { SECRET_KEYS } from '../../src/storage/keys';
import { MemoryKeyValueStore } from '../../preview/memory-key-value-store';
import { startForgeApp, type ForgeAppHarness } from './helpers/forge-app';
import { serveWebTriggers, type WebTriggerServer } from './helpers/web-trigger-server';
import { oauthFailure } from '../helpers/oauth-failure';

/**
 * The cloud side's token endpoint and ping API, used as an OAuth 2.0 client would: simple-oauth2
 * (and plain fetch for the malformed requests it would never send) against the web trigger
 * handlers served over HTTP on 127.0.0.1.
 */

interface Setup {
  app: ForgeAppHarness;
  server: WebTriggerServer;
  link: ForgeLinkView;
  clientId: string;
  clientSecret: string;
  tokenUrl: string;
  pingUrl: string;
  client(options?: { secret?: string; method?: 'body' | 'header'; bodyFormat?: 'form' | 'json' }): ClientCredentials;
  ping(accessToken: string | undefined): Promise<Response>;
}

const servers: WebTriggerServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(options: { scopes?: string[]; laggingTtl?: boolean } = {}): Promise<Setup> {
  const app = startForgeApp();
  const link = await app.call<ForgeLinkView>('createLink', { name: 'Bitbucket DC', remoteKind: 'bitbucket', applicationUrl: 'https://bitbucket.example.com' });
  const issued = await app.call<IssuedIncomingCredentials>('issueIncomingCredentials', { id: link.id, scopes: options.scopes ?? ['WRITE'] });
  const clientSecret = app.watch.secret(issued.clientSecret);
  // Forge removes expired values late: a store that keeps serving them proves the handlers check expiry.
  const tokens = options.laggingTtl
    ? new TokenService({ store: new MemoryKeyValueStore({ now: app.clock.now, hideExpired: false }), clients: app.services.clients, now: app.clock.now, logger: app.logger })
    : app.services.tokens;
  const server = await serveWebTriggers({
    token: createTokenEndpoint({ clients: app.services.clients, tokens, logger: app.logger }),
    ping: createPingApi({ tokens, logger: app.logger }),
  });
  servers.push(server);
  const tokenUrl = `${server.url}/token`;
  const pingUrl = `${server.url}/ping`;
  return {
    app,
    server,
    link,
    clientId: issued.incoming.clientId,
    clientSecret,
    tokenUrl,
    pingUrl,
    client: ({ secret = clientSecret, method = 'body', bodyFormat = 'form' } = {}) => {
      const config: ModuleOptions = {
        client: { id: issued.incoming.clientId, secret },
        auth: { tokenHost: server.url, tokenPath: '/token' },
        options: { authorizationMethod: method, bodyFormat },
        http: { timeout: 5000 },
      };
      return new ClientCredentials(config);
    },
    ping: (accessToken) => fetch(pingUrl, { headers: accessToken === undefined ? {} : { authorization: `Bearer ${accessToken}` } }),
  };
}

function remember(s: Setup, token: AccessToken): AccessToken {
  s.app.watch.secret(String(token.token.access_token));
  s.app.watch.secret(String(token.token.refresh_token));
  return token;
}

describe('token endpoint (RFC 6749) and ping API, driven by simple-oauth2 over HTTP', () => {
  it('issues tokens for good credentials sent in the body, and the ping API accepts the access token', async () => {
    const s = await setup();
    const token = remember(s, await s.client().getToken({}));
    expect(token.token).toMatchObject({ token_type: 'Bearer', expires_in: ACCESS_TOKEN_SECONDS, scope: 'WRITE', refresh_token: expect.any(String) });
    const ping = await s.ping(String(token.token.access_token));
    expect(ping.status).toBe(200);
    expect(await ping.json()).toEqual({ status: 'ok', clientId: s.clientId, scopes: ['WRITE'], expiresAt: '2026-03-01T11:00:00.000Z' });
  });

  it('issues tokens for good credentials sent with HTTP Basic, and answers with no-store', async () => {
    const s = await setup();
    remember(s, await s.client({ method: 'header' }).getToken({}));
    const response = await fetch(s.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${s.clientId}:${s.clientSecret}`).toString('base64')}` },
      body: 'grant_type=client_credentials&scope=READ',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as { access_token: string; refresh_token: string; scope: string };
    s.app.watch.secret(body.access_token);
    s.app.watch.secret(body.refresh_token);
    // WRITE implies READ: a narrower scope may be asked for.
    expect(body.scope).toBe('READ');
  });

  it('answers 401 invalid_client with a Basic challenge to a wrong secret, and to an unknown client', async () => {
    const s = await setup();
    const wrong = await oauthFailure(s.client({ secret: 'f'.repeat(64) }).getToken({}));
    expect(wrong).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    const basic = await oauthFailure(s.client({ secret: 'wrong', method: 'header' }).getToken({}));
    expect(basic).toMatchObject({ status: 401, body: { error: 'invalid_client' } });

    const raw = await fetch(s.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: '0'.repeat(32), client_secret: s.clientSecret }).toString(),
    });
    expect(raw.status).toBe(401);
    expect(raw.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect(await raw.json()).toEqual({ error: 'invalid_client', error_description: 'Unknown client, or wrong client secret.' });
  });

  it('rotates refresh tokens; reusing a rotated one fails with invalid_grant and revokes every token of its family', async () => {
    const s = await setup();
    const first = remember(s, await s.client().getToken({}));
    const second = remember(s, await first.refresh());
    expect(second.token.refresh_token).not.toBe(first.token.refresh_token);
    expect(second.token.access_token).not.toBe(first.token.access_token);
    expect((await s.ping(String(second.token.access_token))).status).toBe(200);

    const replay = await oauthFailure(s.client().createToken({ refresh_token: first.token.refresh_token }).refresh());
    expect(replay).toMatchObject({ status: 400, body: { error: 'invalid_grant', error_description: expect.stringMatching(/already used.*revoked/) } });

    // The replay may come from a thief: the legitimate holder's newer tokens stop working too.
    expect((await s.ping(String(second.token.access_token))).status).toBe(401);
    expect(await oauthFailure(second.refresh())).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    // A fresh client-credentials grant is a new family and works.
    expect((await s.ping(String(remember(s, await s.client().getToken({})).token.access_token))).status).toBe(200);
    expect(s.app.logger.lines.some((line) => line.includes('refresh token was presented again'))).toBe(true);
  });

  it('lets exactly one of two simultaneous refreshes with the same token win', async () => {
    const s = await setup();
    const token = remember(s, await s.client().getToken({}));
    const results = await Promise.allSettled([token.refresh(), token.refresh()]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    for (const r of results) if (r.status === 'fulfilled') remember(s, r.value);
  });

  it('refuses an expired access token at the ping API with 401 invalid_token', async () => {
    const s = await setup();
    const token = remember(s, await s.client().getToken({}));
    s.app.clock.advance(ACCESS_TOKEN_SECONDS + 1);
    const ping = await s.ping(String(token.token.access_token));
    expect(ping.status).toBe(401);
    expect(ping.headers.get('www-authenticate')).toMatch(/^Bearer realm="[^"]+", error="invalid_token"/);
    expect(await ping.json()).toMatchObject({ error: 'invalid_token' });
  });

  it('checks expiry itself when kvs still serves an expired token (Forge removes expired values late)', async () => {
    const s = await setup({ laggingTtl: true });
    const token = remember(s, await s.client().getToken({}));
    expect((await s.ping(String(token.token.access_token))).status).toBe(200);
    s.app.clock.advance(ACCESS_TOKEN_SECONDS);
    const ping = await s.ping(String(token.token.access_token));
    expect(ping.status).toBe(401);
    expect(await ping.json()).toEqual({ error: 'invalid_token', error_description: 'The access token has expired.' });
  });

  it('answers 401 with a Bearer challenge when the ping API gets no token or a made-up one', async () => {
    const s = await setup();
    const none = await s.ping(undefined);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="OAuth 2.0 application links"');
    expect((await s.ping('made-up-token')).status).toBe(401);
  });

  it('refuses scopes the client was not granted with invalid_scope', async () => {
    const s = await setup({ scopes: ['READ'] });
    expect(await oauthFailure(s.client().getToken({ scope: ['READ', 'ADMIN'] }))).toMatchObject({ status: 400, body: { error: 'invalid_scope', error_description: expect.stringContaining('ADMIN') } });
  });

  it('tells a client that sends JSON that the endpoint takes a form body', async () => {
    const s = await setup();
    const failure = await oauthFailure(s.client({ bodyFormat: 'json' }).getToken({}));
    expect(failure).toMatchObject({ status: 400, body: { error: 'invalid_request', error_description: expect.stringMatching(/form-encoded.*not JSON/) } });
  });

  it('answers malformed requests as RFC 6749 section 5.2 says', async () => {
    const s = await setup();
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(s.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body }).then(async (r) => ({ status: r.status, body: (await r.json()) as { error: string } }));
    const credentials = `client_id=${s.clientId}&client_secret=${s.clientSecret}`;

    // Each line asserts the message of the check it is about: another check giving the same code
    // must not keep it green when this one is deleted.
    expect(await post(`grant_type=authorization_code&code=x&${credentials}`)).toMatchObject({
      status: 400,
      body: { error: 'unsupported_grant_type', error_description: 'This endpoint supports the client_credentials and refresh_token grants.' },
    });
    expect(await post(credentials)).toMatchObject({ status: 400, body: { error: 'invalid_request', error_description: 'grant_type is required.' } });
    expect(await post(`grant_type=client_credentials&grant_type=refresh_token&${credentials}`)).toMatchObject({
      status: 400,
      body: { error: 'invalid_request', error_description: 'The parameter grant_type is sent more than once.' },
    });
    expect(await post(`grant_type=refresh_token&${credentials}`)).toMatchObject({ status: 400, body: { error: 'invalid_request', error_description: 'refresh_token is required.' } });
    expect(await post(`grant_type=refresh_token&refresh_token=nope&${credentials}`)).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'The refresh token is invalid, expired, revoked, or was issued to another client.' },
    });
    expect(await post('grant_type=client_credentials')).toMatchObject({
      status: 401,
      body: { error: 'invalid_client', error_description: 'Client authentication is required: send client_id and client_secret.' },
    });
    expect(await post(`grant_type=client_credentials&${credentials}`, { authorization: `Basic ${Buffer.from(`${s.clientId}:${s.clientSecret}`).toString('base64')}` })).toMatchObject({
      status: 400,
      body: { error: 'invalid_request', error_description: 'Authenticate with HTTP Basic or with client_secret in the body, not both.' },
    });
    expect(await post('grant_type=client_credentials', { authorization: 'Basic !!!' })).toMatchObject({
      status: 401,
      body: { error: 'invalid_client', error_description: 'The Basic credentials are malformed.' },
    });
    // Good credentials behind a character Node's base64 decoder would skip: refused by the shape check itself.
    const sneaky = Buffer.from(`${s.clientId}:${s.clientSecret}`).toString('base64').replace(/^(....)/, '$1!');
    expect(await post('grant_type=client_credentials', { authorization: `Basic ${sneaky}` })).toMatchObject({
      status: 401,
      body: { error: 'invalid_client', error_description: 'The Basic credentials are malformed.' },
    });

    const get = await fetch(s.tokenUrl);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it.each([
    ['client_id', (id: string, secret: string) => `grant_type=client_credentials&client_id=&client_id=${id}&client_secret=${secret}`],
    ['client_secret', (id: string, secret: string) => `grant_type=client_credentials&client_id=${id}&client_secret=&client_secret=${secret}`],
    ['grant_type', (id: string, secret: string) => `grant_type=&grant_type=client_credentials&client_id=${id}&client_secret=${secret}`],
    ['scope', (id: string, secret: string) => `grant_type=client_credentials&scope=&scope=READ&client_id=${id}&client_secret=${secret}`],
    ['grant_type', (id: string, secret: string) => `grant_type=client_credentials&grant_type=client_credentials&client_id=${id}&client_secret=${secret}`],
  ])('refuses %s sent twice, even with an empty first copy and good credentials', async (name, body) => {
    const s = await setup();
    const response = await fetch(s.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body(s.clientId, s.clientSecret) });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'invalid_request', error_description: `The parameter ${name} is sent more than once.` });
  });

  it('does the same storage work for an unknown or malformed client ID as for a known one (no timing oracle)', async () => {
    const s = await setup();
    const storageWork = async (body: Record<string, string>, authorization?: string): Promise<string[]> => {
      s.app.operations.length = 0;
      const response = await fetch(s.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization === undefined ? {} : { authorization }) },
        body: new URLSearchParams({ grant_type: 'client_credentials', ...body }).toString(),
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: 'invalid_client', error_description: 'Unknown client, or wrong client secret.' });
      return s.app.operations.map((o) => o.operation);
    };
    const known = await storageWork({ client_id: s.clientId, client_secret: 'f'.repeat(64) });
    expect(known).toEqual(['get', 'getSecret']);
    expect(await storageWork({ client_id: '0'.repeat(32), client_secret: 'f'.repeat(64) })).toEqual(known);
    expect(await storageWork({ client_id: 'not-a-client-id', client_secret: 'f'.repeat(64) })).toEqual(known);
    // Characters and lengths kvs refuses in a key: the decoy is read instead, so no 500 either.
    expect(await storageWork({ client_id: 'not/a client id!', client_secret: 'f'.repeat(64) })).toEqual(known);
    expect(await storageWork({ client_id: 'a'.repeat(600), client_secret: 'f'.repeat(64) })).toEqual(known);
    expect(await storageWork({}, `Basic ${Buffer.from(`${'1'.repeat(32)}:${'f'.repeat(64)}`).toString('base64')}`)).toEqual(known);
    expect(await storageWork({}, `Basic ${Buffer.from(`${s.clientId}:wrong`).toString('base64')}`)).toEqual(known);
    // The same reads on success too, before the tokens are written.
    s.app.operations.length = 0;
    remember(s, await s.client().getToken({}));
    expect(s.app.operations.map((o) => o.operation).slice(0, 2)).toEqual(known);
  });

  it('refuses a secret whose hash is of another generation than the client record (the window inside a re-issue)', async () => {
    const s = await setup();
    // A re-issue writes the new hash (generation 2) before the lookup record: in between, the new
    // secret must not mint tokens for the old generation.
    const next = s.app.watch.secret('e'.repeat(64));
    await s.app.store.setSecret(SECRET_KEYS.incomingSecretHash(s.clientId), { ...hashSecret(next), generation: 2 });
    expect(await oauthFailure(s.client({ secret: next }).getToken({}))).toMatchObject({ status: 401, body: { error: 'invalid_client', error_description: 'Unknown client, or wrong client secret.' } });
  });

  it('binds a refresh token to its client: another client cannot use it', async () => {
    const s = await setup();
    const token = remember(s, await s.client().getToken({}));
    const other = await s.app.call<ForgeLinkView>('createLink', { name: 'Other', remoteKind: 'confluence', applicationUrl: 'https://wiki.example.com' });
    const otherCredentials = await s.app.call<IssuedIncomingCredentials>('issueIncomingCredentials', { id: other.id, scopes: ['ADMIN'] });
    s.app.watch.secret(otherCredentials.clientSecret);
    const response = await fetch(s.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: String(token.token.refresh_token), client_id: otherCredentials.incoming.clientId, client_secret: otherCredentials.clientSecret }).toString(),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('retires the old secret and its tokens when the credentials are issued again', async () => {
    const s = await setup();
    const token = remember(s, await s.client().getToken({}));
    const again = await s.app.call<IssuedIncomingCredentials>('issueIncomingCredentials', { id: s.link.id, scopes: ['WRITE'] });
    s.app.watch.secret(again.clientSecret);
    expect((await s.ping(String(token.token.access_token))).status).toBe(401);
    expect(await oauthFailure(s.client().getToken({}))).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    // Even with the new secret, a refresh token of the old generation is refused.
    const renewed = s.client({ secret: again.clientSecret });
    expect(await oauthFailure(renewed.createToken({ refresh_token: token.token.refresh_token }).refresh())).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    remember(s, await renewed.getToken({}));
  });

  it('stops honouring tokens once the link is deleted', async () => {
    const s = await setup();
    const token = remember(s, await s.client().getToken({}));
    await s.app.call('deleteLink', { id: s.link.id });
    expect((await s.ping(String(token.token.access_token))).status).toBe(401);
    expect(await oauthFailure(s.client().getToken({}))).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });

  it('narrows refreshed tokens to the scopes still granted after the admin reduces them', async () => {
    const s = await setup({ scopes: ['ADMIN'] });
    const token = remember(s, await s.client().getToken({ scope: ['READ', 'WRITE'] }));
    expect(token.token.scope).toBe('READ WRITE');
    await s.app.call('updateIncomingCredentials', { id: s.link.id, scopes: ['READ'] });
    const refreshed = remember(s, await token.refresh());
    expect(refreshed.token.scope).toBe('READ');

    await s.app.call('updateIncomingCredentials', { id: s.link.id, scopes: ['ADMIN'] });
    const admin = remember(s, await s.client().getToken({}));
    expect(admin.token.scope).toBe('ADMIN');
    await s.app.call('updateIncomingCredentials', { id: s.link.id, scopes: ['WRITE'] });
    // ADMIN is no longer granted; what it implied and is still granted remains.
    expect(remember(s, await admin.refresh()).token.scope).toBe('READ WRITE');
  });

  it('keeps only digests of tokens in kvs, and no secret or token in kvs or the logs', async () => {
    const s = await setup();
    const token = remember(s, await s.client().getToken({}));
    remember(s, await token.refresh());
    await oauthFailure(s.client({ secret: 'not-the-secret' }).getToken({}));
    const dump = s.app.store.dump();
    expect(Object.keys(dump.values).filter((k) => k.startsWith('oauth-token:'))).toHaveLength(4);
    for (const value of [...Object.values(dump.values), ...Object.values(dump.secrets), ...Object.keys(dump.values)]) s.app.watch.record(value);
    expect(s.app.watch.leaks()).toEqual([]);
  });
});
