import { ErrorEnvelopeSchema, LinkUserPageSchema, MyConnectionsSchema, DisconnectResultSchema } from '../../../contract';
import { ACCESS_TOKEN_FIELD, REFRESH_TOKEN_FIELD, tokenOwnerId } from '../../../connector/src/storage/store';
import { startTestConnector, type TestConnector } from '../../helpers/connector-app';
import { startSandboxDc, type SandboxDc } from '../../helpers/sandbox-dc';
import { INSTALLATION_B, joseRsaKey, JwksServer, OTHER_APP_ID, type TestKey } from '../forge/fixtures';
import { ACCOUNTS, callback, connect, createConsumer, createPerUserLink, fitFactory, readToken, startConnect, whoIs, type FitFactory } from './per-user-steps';

/**
 * Per-user links on the connector (issue 13), against the sandbox Data Center: each Atlassian
 * account connects its own remote account, and only its own. The user is the verified invocation
 * token's principal; nothing in a payload, query, header or path can name another.
 */
const PUBLIC_URL = 'http://127.0.0.1:8787';
const clock = { t: Date.now() };
let dc: SandboxDc;
let jwks: JwksServer;
let key: TestKey;
let rogue: TestKey;
let c: TestConnector;
let fit: FitFactory;
let linkId: string;
let apiKey: string;

const error = (json: unknown) => ErrorEnvelopeSchema.parse(json).error;
const mine = async (principal: string, ids: string[]) => {
  const res = await c.request({ method: 'POST', url: '/v1/me/connections', payload: { ids }, token: await fit(principal) });
  expect(res.statusCode).toBe(200);
  return MyConnectionsSchema.parse(res.json()).items;
};
const stateOf = async (principal: string) => (await mine(principal, [linkId]))[0]!.state;
const tokenRows = async () => (await c.store.tokens.listForLink(linkId)).map((r) => r.subject).sort();

beforeAll(async () => {
  [key, rogue] = await Promise.all([joseRsaKey('k1'), joseRsaKey('rogue')]);
  jwks = await JwksServer.start([key.publicJwk]);
  dc = await startSandboxDc({ clients: { dc: { authMethod: 'client_secret_post', grantTypes: ['authorization_code', 'refresh_token'] } } });
  c = await startTestConnector({
    env: { ...jwks.env(), CONNECTOR_PUBLIC_URL: PUBLIC_URL, CONNECTOR_ALLOWED_HOSTS: `${jwks.host},127.0.0.1` },
    credentials: { now: () => clock.t, providerTimeoutMs: 2_000 },
  });
  fit = fitFactory(c, key);
  const { code } = await c.forge!.pairing.issueCode();
  expect((await c.request({ method: 'POST', url: '/v1/forge/pair', payload: { code }, token: await fit(ACCOUNTS.carol) })).statusCode).toBe(200);
  linkId = await createPerUserLink(c, dc, 'dc');
  apiKey = await createConsumer(c, [linkId]);
  await connect(c, dc, linkId, await fit(ACCOUNTS.alice), 'alice-dc');
  await connect(c, dc, linkId, await fit(ACCOUNTS.bob), 'bob-dc');
});

afterAll(async () => {
  await c.close();
  await dc.stop();
  await jwks.close();
  expect(c.watch.leaks()).toEqual([]);
});

describe('connecting', () => {
  it("keeps each user's credential under their account id, with the remote user name the sandbox gave", async () => {
    expect(await tokenRows()).toEqual([ACCOUNTS.alice, ACCOUNTS.bob].sort());
    const [alice] = await mine(ACCOUNTS.alice, [linkId]);
    expect(alice).toMatchObject({ state: 'connected', remoteUsername: 'alice-dc' });
    expect(Date.parse(alice!.expiresAt!)).toBeGreaterThan(clock.t);
    expect(await stateOf(ACCOUNTS.carol)).toBe('not-connected');
  });

  it('serves each user their own token by account id or remote user name, and the remote agrees who it is', async () => {
    const alice = await readToken(c, apiKey, linkId, `?subject=${encodeURIComponent(ACCOUNTS.alice)}`);
    const bob = await readToken(c, apiKey, linkId, '?remoteUser=bob-dc');
    expect([alice.status, bob.status]).toEqual([200, 200]);
    expect(await whoIs(dc, alice.json.accessToken)).toEqual({ status: 200, name: 'alice-dc' });
    expect(await whoIs(dc, bob.json.accessToken)).toEqual({ status: 200, name: 'bob-dc' });
  });

  it('says clearly why there is no token: no user named, never connected', async () => {
    const none = await readToken(c, apiKey, linkId, '');
    expect(none.status).toBe(400);
    expect(error(none.json).message).toMatch(/name the user/);
    const carol = await readToken(c, apiKey, linkId, `?subject=${encodeURIComponent(ACCOUNTS.carol)}`);
    expect([carol.status, error(carol.json).code]).toEqual([409, 'USER_NOT_CONNECTED']);
    const stranger = await readToken(c, apiKey, linkId, '?remoteUser=nobody-dc');
    expect([stranger.status, error(stranger.json).code]).toEqual([409, 'USER_NOT_CONNECTED']);
  });
});

describe('acting as someone else', () => {
  /** After every attempt: alice and bob hold exactly their own credentials, nobody else any. */
  const expectUntouched = async () => {
    expect(await tokenRows()).toEqual([ACCOUNTS.alice, ACCOUNTS.bob].sort());
    expect((await mine(ACCOUNTS.alice, [linkId]))[0]!.remoteUsername).toBe('alice-dc');
    expect((await mine(ACCOUNTS.bob, [linkId]))[0]!.remoteUsername).toBe('bob-dc');
  };
  const carolFit = () => fit(ACCOUNTS.carol);

  const refused: [string, () => Promise<{ statusCode: number }>][] = [
    ['a subject in the connect body', async () => c.request({ method: 'POST', url: `/v1/me/links/${linkId}/connect`, payload: { subject: ACCOUNTS.alice }, token: await carolFit() })],
    ['an accountId in the connect body', async () => c.request({ method: 'POST', url: `/v1/me/links/${linkId}/connect`, payload: { accountId: ACCOUNTS.alice }, token: await carolFit() })],
    ['a subject in the connections body', async () => c.request({ method: 'POST', url: '/v1/me/connections', payload: { ids: [linkId], subject: ACCOUNTS.alice }, token: await carolFit() })],
    ['a subject in the disconnect body', async () => c.request({ method: 'DELETE', url: `/v1/me/links/${linkId}/connection`, payload: { subject: ACCOUNTS.alice }, token: await carolFit() })],
    ['a subject in the admin authorize body (Forge)', async () => c.request({ method: 'POST', url: `/v1/links/${linkId}/authorize`, payload: { subject: ACCOUNTS.alice }, token: await carolFit() })],
    ['a subject in the admin authorize body (operator)', async () => c.request({ method: 'POST', url: `/v1/links/${linkId}/authorize`, payload: { subject: ACCOUNTS.alice } })],
    ['the admin authorize with no subject on a per-user link', async () => c.request({ method: 'POST', url: `/v1/links/${linkId}/authorize`, payload: {}, token: await carolFit() })],
    ['a token naming no principal', async () => c.request({ method: 'POST', url: `/v1/me/links/${linkId}/connect`, payload: {}, token: await fit(null) })],
    ['a token naming alice signed by another key', async () => c.request({ method: 'DELETE', url: `/v1/me/links/${linkId}/connection`, token: await fit(ACCOUNTS.alice, { key: rogue }) })],
    ['a token naming alice for another app', async () => c.request({ method: 'DELETE', url: `/v1/me/links/${linkId}/connection`, token: await fit(ACCOUNTS.alice, { appId: OTHER_APP_ID }) })],
    ['a token naming alice from another installation', async () => c.request({ method: 'DELETE', url: `/v1/me/links/${linkId}/connection`, token: await fit(ACCOUNTS.alice, { installationId: INSTALLATION_B }) })],
    ['an expired token naming alice', async () => c.request({ method: 'DELETE', url: `/v1/me/links/${linkId}/connection`, token: await fit(ACCOUNTS.alice, { nowSeconds: Math.floor(Date.now() / 1000) - 3600 }) })],
    [
      "carol's token with its principal rewritten to alice",
      async () => {
        const [header, payload, signature] = (await carolFit()).split('.');
        const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
        const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, principal: ACCOUNTS.alice })).toString('base64url')}.${signature}`;
        return c.request({ method: 'DELETE', url: `/v1/me/links/${linkId}/connection`, token: c.watch.secret(forged) });
      },
    ],
    ['an unsigned token (alg none) naming alice', async () => {
      const [, payload] = (await fit(ACCOUNTS.alice)).split('.');
      return c.request({ method: 'DELETE', url: `/v1/me/links/${linkId}/connection`, token: `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.` });
    }],
    ['a subject in the path of the user route', async () => c.request({ method: 'DELETE', url: `/v1/me/links/${linkId}/connection/${encodeURIComponent(ACCOUNTS.alice)}`, token: await carolFit() })],
    ['the admin users route with the operator token but a consumer key', async () => c.request({ method: 'DELETE', url: `/v1/links/${linkId}/users/${encodeURIComponent(ACCOUNTS.alice)}`, token: apiKey })],
    ['the me routes with the operator token (no principal)', async () => c.request({ method: 'DELETE', url: `/v1/me/links/${linkId}/connection` })],
    ['the me routes with a consumer key', async () => c.request({ method: 'POST', url: '/v1/me/connections', payload: { ids: [linkId] }, token: apiKey })],
  ];

  it.each(refused)('refuses %s and changes nothing', async (_name, attempt) => {
    const res = await attempt();
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    await expectUntouched();
  });

  it('ignores who a query or header says the caller is: carol disconnecting with ?subject=alice and x-principal: alice ends nothing of alice', async () => {
    const res = await c.request({ method: 'DELETE', url: `/v1/me/links/${linkId}/connection?subject=${encodeURIComponent(ACCOUNTS.alice)}`, headers: { 'x-forge-principal': ACCOUNTS.alice }, token: await carolFit() });
    expect(res.statusCode).toBe(200);
    expect(DisconnectResultSchema.parse(res.json())).toEqual({ disconnected: false, remote: 'nothing-to-revoke' });
    await expectUntouched();
  });

  it("shows a user only their own connection: bob asking about the link sees his, never alice's name", async () => {
    const [seen] = await mine(ACCOUNTS.bob, [linkId]);
    expect(seen!.remoteUsername).toBe('bob-dc');
    expect(JSON.stringify(await mine(ACCOUNTS.carol, [linkId]))).not.toContain('alice-dc');
  });

  it("a replayed callback (alice's code and state again) is refused and connects nobody", async () => {
    const { code, state } = await startConnect(c, dc, linkId, await fit(ACCOUNTS.alice), 'alice-dc');
    expect((await callback(c, code, state)).status).toBe(200);
    const replay = await callback(c, code, state);
    expect(replay.status).toBe(400);
    expect(replay.body).toMatch(/Already used/);
    await expectUntouched();
  });

  it("carol's code delivered with alice's state fails at the remote (PKCE), so alice's credential cannot be bound to carol's account", async () => {
    const alices = await startConnect(c, dc, linkId, await fit(ACCOUNTS.alice), 'alice-dc');
    const carols = await startConnect(c, dc, linkId, await carolFit(), 'carol-dc');
    const swapped = await callback(c, carols.code, alices.state);
    expect(swapped.status).toBe(400);
    await expectUntouched();
    expect(await stateOf(ACCOUNTS.carol)).toBe('not-connected');
  });

  it("a started connection fills the credential of whoever started it, wherever it is completed: carol's request connects carol, never bob", async () => {
    // The state is a bearer secret until used; what it cannot do is change whose credential it fills
    // (the subject was fixed from carol's invocation token when the request started).
    const carols = await startConnect(c, dc, linkId, await carolFit(), 'carol-dc');
    expect((await callback(c, carols.code, carols.state)).status).toBe(200);
    expect((await mine(ACCOUNTS.bob, [linkId]))[0]!.remoteUsername).toBe('bob-dc');
    const carolView = await c.request({ method: 'DELETE', url: `/v1/links/${linkId}/users/${encodeURIComponent(ACCOUNTS.carol)}` });
    expect(DisconnectResultSchema.parse(carolView.json()).disconnected).toBe(true);
  });
});

describe('administrators', () => {
  it('list the connected users a page at a time (keyset cursor on the account id), with their remote user names', async () => {
    const first = LinkUserPageSchema.parse((await c.request({ method: 'GET', url: `/v1/links/${linkId}/users?limit=1`, token: await fit(ACCOUNTS.carol) })).json());
    expect(first.items.map((u) => u.subject)).toEqual([ACCOUNTS.alice]);
    const second = LinkUserPageSchema.parse((await c.request({ method: 'GET', url: `/v1/links/${linkId}/users?limit=1&cursor=${encodeURIComponent(first.nextCursor!)}` })).json());
    expect(second.items.map((u) => [u.subject, u.remoteUsername])).toEqual([[ACCOUNTS.bob, 'bob-dc']]);
    expect(second.nextCursor).toBeNull();
  });
});

describe('refresh, invalid_grant and revocation per user', () => {
  it("refreshes each user's credential on its own; one user's invalid_grant leaves the others connected", async () => {
    const owner = tokenOwnerId(linkId, ACCOUNTS.alice);
    const stored = (await c.store.tokens.get(linkId, ACCOUNTS.alice))!;
    const aliceRefresh = c.watch.secret(await c.vault.open(owner, REFRESH_TOKEN_FIELD, stored.refreshToken!));
    // The remote forgets alice's grant (as when her DC account is disabled).
    const client = dc.clients.dc!;
    const revoked = await fetch(dc.revocationEndpoint, { method: 'POST', body: new URLSearchParams({ token: aliceRefresh, token_type_hint: 'refresh_token', client_id: client.clientId, client_secret: client.clientSecret }) });
    expect(revoked.status).toBe(200);
    const bobBefore = await c.vault.open(tokenOwnerId(linkId, ACCOUNTS.bob), ACCESS_TOKEN_FIELD, (await c.store.tokens.get(linkId, ACCOUNTS.bob))!.accessToken);
    clock.t += 2 * 3600_000;
    const credentials = c.app.connector.credentials;
    expect(await credentials.refresh(linkId, ACCOUNTS.alice, { wait: true })).toBe('needs-reauthorization');
    expect(await credentials.refresh(linkId, ACCOUNTS.bob, { wait: true })).toBe('refreshed');
    const bob = await readToken(c, apiKey, linkId, `?subject=${encodeURIComponent(ACCOUNTS.bob)}`);
    expect(bob.status).toBe(200);
    expect(bob.json.accessToken).not.toBe(bobBefore);
    expect(await whoIs(dc, bob.json.accessToken)).toEqual({ status: 200, name: 'bob-dc' });
    const alice = await readToken(c, apiKey, linkId, `?subject=${encodeURIComponent(ACCOUNTS.alice)}`);
    expect([alice.status, error(alice.json).code]).toEqual([409, 'NEEDS_REAUTHORIZATION']);
    expect(error(alice.json).message).toMatch(/connect their account again/);
    expect(await stateOf(ACCOUNTS.alice)).toBe('must-reconnect');
    const summary = (await c.request({ method: 'POST', url: '/v1/links/credentials', payload: { ids: [linkId] } })).json() as { items: { credential: { users: unknown } }[] };
    expect(summary.items[0]!.credential.users).toMatchObject({ authorized: 2, needReauthorization: 1 });
    // The link itself still works for bob: a user's invalid_grant is not the link's.
    expect(((await c.request({ method: 'GET', url: `/v1/links/${linkId}` })).json() as { status: string }).status).toBe('connected');
  });

  it('a user who disconnects has their tokens revoked at the remote, then deleted; consumers hear "disconnected"', async () => {
    const before = await readToken(c, apiKey, linkId, `?subject=${encodeURIComponent(ACCOUNTS.bob)}`);
    const res = await c.request({ method: 'DELETE', url: `/v1/me/links/${linkId}/connection`, token: await fit(ACCOUNTS.bob) });
    expect(DisconnectResultSchema.parse(res.json())).toEqual({ disconnected: true, remote: 'revoked' });
    expect(await whoIs(dc, before.json.accessToken)).toEqual({ status: 401 });
    const after = await readToken(c, apiKey, linkId, `?subject=${encodeURIComponent(ACCOUNTS.bob)}`);
    expect([after.status, error(after.json).code]).toEqual([409, 'USER_DISCONNECTED']);
    expect(error(after.json).message).toMatch(/by the user/);
    expect(await stateOf(ACCOUNTS.bob)).toBe('disconnected');
  });

  it('deletes the tokens anyway, and says so, when the remote cannot be asked to revoke them', async () => {
    await connect(c, dc, linkId, await fit(ACCOUNTS.bob), 'bob-dc');
    // A revocation endpoint on another origin than the token endpoint: the client secret is not
    // sent there (credentials/revoke.ts), so for this link there is no endpoint to revoke at.
    const patched = await c.request({ method: 'PATCH', url: `/v1/links/${linkId}`, payload: { outgoing: { revocationEndpoint: 'http://127.0.0.1:9/rest/oauth2/latest/revoke' } } });
    expect(patched.statusCode).toBe(200);
    const res = await c.request({ method: 'DELETE', url: `/v1/links/${linkId}/users/${encodeURIComponent(ACCOUNTS.bob)}`, token: await fit(ACCOUNTS.carol) });
    expect(DisconnectResultSchema.parse(res.json())).toEqual({ disconnected: true, remote: 'no-endpoint' });
    expect(await c.store.tokens.get(linkId, ACCOUNTS.bob)).toBeUndefined();
    const after = await readToken(c, apiKey, linkId, `?subject=${encodeURIComponent(ACCOUNTS.bob)}`);
    expect(error(after.json).message).toMatch(/by an administrator/);
  });
});

describe('test connection on a per-user link', () => {
  it("runs as the calling admin when they connected, and says so when they have not", async () => {
    await connect(c, dc, linkId, await fit(ACCOUNTS.carol), 'carol-dc');
    const asCarol = await c.request({ method: 'POST', url: `/v1/links/${linkId}/test`, token: await fit(ACCOUNTS.carol) });
    const token = (asCarol.json() as { stages: { stage: string; status: string; message: string }[] }).stages.find((s) => s.stage === 'token')!;
    expect(token).toMatchObject({ status: 'pass' });
    expect(token.message).toMatch(/Tested as you/);
    const asBob = await c.request({ method: 'POST', url: `/v1/links/${linkId}/test`, token: await fit(ACCOUNTS.bob) });
    const result = asBob.json() as { ok: boolean; stages: { stage: string; status: string; code: string; message: string }[] };
    expect(result.ok).toBe(false);
    expect(result.stages.find((s) => s.stage === 'token')).toMatchObject({ status: 'fail', code: 'NEEDS_AUTHORIZATION' });
    expect(result.stages.find((s) => s.stage === 'token')!.message).toMatch(/not connected your own account/);
  });
});
