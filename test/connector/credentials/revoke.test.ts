import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeleteLinkAnswerSchema, LinkViewSchema } from '../../../contract';
import { ACCESS_TOKEN_FIELD, REFRESH_TOKEN_FIELD, tokenOwnerId } from '../../../connector/src/storage/store';
import { OAuthClientFactory } from '../../../connector/src/credentials/client-factory';
import { CredentialRevoker } from '../../../connector/src/credentials/revoke';
import { createLogger } from '../../../connector/src/observability/logger';
import { UrlPolicy } from '../../../connector/src/outbound/url-policy';
import type { TestConnector } from '../../helpers/connector-app';
import { startOidcServer, type OidcServer } from '../../helpers/oidc-server';
import { authorize, createLink, startConnector, type Clock } from './lifecycle-steps';

/**
 * Deleting a link revokes its tokens at the remote (RFC 7009) and deletes them here whatever the
 * remote answers; one user's credential can be revoked alone (a Disconnect). The OAuth 2.0 server
 * is oidc-provider configured like Data Center; its introspection endpoint says whether a token
 * still works there.
 */
describe('revoking tokens at the remote', () => {
  let oidc: OidcServer;
  let c: TestConnector;
  /** A connector whose provider calls give up after 300 ms, for the remote that hangs. */
  let quick: TestConnector;
  let hanging: Server;
  let hangingUrl: string;
  const clock: Clock = { t: Date.now() };

  beforeAll(async () => {
    oidc = await startOidcServer({
      clients: {
        post: { authMethod: 'client_secret_post', grantTypes: ['authorization_code', 'refresh_token'] },
        users: { authMethod: 'client_secret_post', grantTypes: ['authorization_code', 'refresh_token'] },
      },
    });
    // Answers nothing, ever: a remote whose revocation endpoint hangs.
    hanging = createServer(() => undefined);
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    hangingUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
    // Generous for the real server (a loaded machine must not turn a revocation into TIMEOUT).
    c = await startConnector('sqlite', clock, { credentials: { now: () => clock.t, providerTimeoutMs: 10_000 } });
    // Every name resolves to 127.0.0.1 here: a public-looking host that points inside.
    quick = await startConnector('sqlite', clock, { credentials: { now: () => clock.t, providerTimeoutMs: 300 }, discovery: { resolve: async () => [{ address: '127.0.0.1', family: 4 }] } });
  });
  afterAll(async () => {
    expect(c.watch.leaks()).toEqual([]);
    expect(quick.watch.leaks()).toEqual([]);
    await c.close();
    await quick.close();
    hanging.closeAllConnections();
    await new Promise<void>((resolve) => hanging.close(() => resolve()));
    await oidc.stop();
  });

  /** The stored tokens of a credential, as the remote issued them. */
  async function storedTokens(linkId: string, subject = ''): Promise<{ access: string; refresh: string }> {
    const stored = await c.store.tokens.get(linkId, subject);
    const owner = tokenOwnerId(linkId, subject);
    return {
      access: c.watch.secret(await c.vault.open(owner, ACCESS_TOKEN_FIELD, stored!.accessToken)),
      refresh: c.watch.secret(await c.vault.open(owner, REFRESH_TOKEN_FIELD, stored!.refreshToken!)),
    };
  }

  /** Whether the remote still accepts a token (RFC 7662 introspection with the client's own credentials). */
  async function active(clientName: string, token: string): Promise<boolean> {
    const client = oidc.clients[clientName]!;
    const answer = await fetch(oidc.introspectionEndpoint, {
      method: 'POST',
      body: new URLSearchParams({ token, client_id: client.clientId, client_secret: client.clientSecret }),
      signal: AbortSignal.timeout(5000),
    });
    expect(answer.status).toBe(200);
    return ((await answer.json()) as { active: boolean }).active;
  }

  it('deletes a link and revokes its access and refresh token at the remote, reporting each (Prefer: return=representation)', async () => {
    const linkId = await createLink(c, oidc, 'post');
    expect((await authorize(c, oidc, linkId)).status).toBe(200);
    const tokens = await storedTokens(linkId);
    expect(await active('post', tokens.access)).toBe(true);
    expect(await active('post', tokens.refresh)).toBe(true);

    const res = await c.request({ method: 'DELETE', url: `/v1/links/${linkId}`, headers: { prefer: 'return=representation' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['preference-applied']).toBe('return=representation');
    const answer = DeleteLinkAnswerSchema.parse(res.json());
    expect(answer.revocation).toEqual({
      endpoint: oidc.revocationEndpoint,
      own: {
        subject: '',
        tokens: [
          { token: 'refresh_token', outcome: 'revoked', code: null, message: null },
          { token: 'access_token', outcome: 'revoked', code: null, message: null },
        ],
      },
      users: { credentials: 0, revoked: 0, notRevoked: 0, codes: [] },
    });
    expect(await active('post', tokens.access)).toBe(false);
    expect(await active('post', tokens.refresh)).toBe(false);
    expect(await c.store.tokens.listForLink(linkId)).toEqual([]);
    expect((await c.request({ method: 'GET', url: `/v1/links/${linkId}` })).statusCode).toBe(404);
  });

  it('revokes on a plain DELETE too, which still answers 204 with no body', async () => {
    const linkId = await createLink(c, oidc, 'post');
    expect((await authorize(c, oidc, linkId)).status).toBe(200);
    const tokens = await storedTokens(linkId);
    const res = await c.request({ method: 'DELETE', url: `/v1/links/${linkId}` });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect(await active('post', tokens.access)).toBe(false);
    expect(await active('post', tokens.refresh)).toBe(false);
  });

  it("revokes one user's credential alone, and leaves the other users' tokens working", async () => {
    const linkId = await createLink(c, oidc, 'users', { authKind: 'oauth2-impersonation' });
    expect((await authorize(c, oidc, linkId, 'alice')).status).toBe(200);
    expect((await authorize(c, oidc, linkId, 'bob')).status).toBe(200);
    const alice = await storedTokens(linkId, 'alice');
    const bob = await storedTokens(linkId, 'bob');

    const result = await c.app.connector.credentials.revokeCredential(linkId, 'alice');
    expect(result).toEqual({
      subject: 'alice',
      tokens: [
        { token: 'refresh_token', outcome: 'revoked', code: null, message: null },
        { token: 'access_token', outcome: 'revoked', code: null, message: null },
      ],
    });
    expect(await active('users', alice.access)).toBe(false);
    expect(await active('users', alice.refresh)).toBe(false);
    expect(await c.store.tokens.get(linkId, 'alice')).toBeUndefined();
    expect(await active('users', bob.access)).toBe(true);
    // Nothing left to revoke: an empty outcome, not an error.
    expect(await c.app.connector.credentials.revokeCredential(linkId, 'alice')).toEqual({ subject: 'alice', tokens: [] });

    // Deleting the link then reports the users' credentials as a tally.
    const res = await c.request({ method: 'DELETE', url: `/v1/links/${linkId}`, headers: { prefer: 'return=representation' } });
    expect(DeleteLinkAnswerSchema.parse(res.json()).revocation).toMatchObject({ own: null, users: { credentials: 1, revoked: 1, notRevoked: 0, codes: [] } });
    expect(await active('users', bob.refresh)).toBe(false);
  });

  it('says "not supported" for a link without a revocation endpoint, and deletes the tokens here anyway', async () => {
    const linkId = await createLink(c, oidc, 'post');
    expect((await authorize(c, oidc, linkId)).status).toBe(200);
    const patched = await c.request({ method: 'PATCH', url: `/v1/links/${linkId}`, payload: { outgoing: { revocationEndpoint: null } } });
    expect(LinkViewSchema.parse(patched.json()).outgoing.revocationEndpoint).toBeNull();
    const res = await c.request({ method: 'DELETE', url: `/v1/links/${linkId}`, headers: { prefer: 'return=representation' } });
    const { revocation } = DeleteLinkAnswerSchema.parse(res.json());
    expect(revocation?.endpoint).toBeNull();
    expect(revocation?.own?.tokens.map((t) => [t.token, t.outcome, t.code])).toEqual([
      ['refresh_token', 'not-supported', 'NO_REVOCATION_ENDPOINT'],
      ['access_token', 'not-supported', 'NO_REVOCATION_ENDPOINT'],
    ]);
    expect(await c.store.tokens.listForLink(linkId)).toEqual([]);
  });

  it('never waits on a revocation endpoint that hangs: each request gives up at its limit, and the link and tokens are gone', async () => {
    const { linkId, subject } = await linkWithStoredTokens(quick, `${hangingUrl}/rest/oauth2/latest/token`, `${hangingUrl}/rest/oauth2/latest/revoke`);
    const started = Date.now();
    const res = await quick.request({ method: 'DELETE', url: `/v1/links/${linkId}`, headers: { prefer: 'return=representation' } });
    const elapsed = Date.now() - started;
    const { revocation } = DeleteLinkAnswerSchema.parse(res.json());
    expect(revocation?.own?.tokens.map((t) => [t.token, t.outcome, t.code])).toEqual([
      ['refresh_token', 'failed', 'TIMEOUT'],
      ['access_token', 'failed', 'TIMEOUT'],
    ]);
    expect(revocation?.own?.tokens[0]?.message).toMatch(/did not answer within 300 ms/);
    expect(elapsed).toBeLessThan(10_000);
    expect(await quick.store.tokens.get(linkId, subject)).toBeUndefined();
    expect((await quick.request({ method: 'GET', url: `/v1/links/${linkId}` })).statusCode).toBe(404);
  });

  it('does not send the client secret to a revocation endpoint on another origin than the token endpoint', async () => {
    const { linkId } = await linkWithStoredTokens(quick, oidc.tokenEndpoint, `${hangingUrl}/revoke`);
    const res = await quick.request({ method: 'DELETE', url: `/v1/links/${linkId}`, headers: { prefer: 'return=representation' } });
    const { revocation } = DeleteLinkAnswerSchema.parse(res.json());
    expect(revocation?.own?.tokens.map((t) => [t.outcome, t.code])).toEqual([
      ['failed', 'REVOCATION_ORIGIN_DIFFERS'],
      ['failed', 'REVOCATION_ORIGIN_DIFFERS'],
    ]);
  });

  it('refuses a revocation endpoint whose public name resolves to a private address, and deletes the tokens anyway', async () => {
    const port = new URL(hangingUrl).port;
    const { linkId } = await linkWithStoredTokens(quick, `https://rebind.example.com:${port}/rest/oauth2/latest/token`, `https://rebind.example.com:${port}/rest/oauth2/latest/revoke`);
    const res = await quick.request({ method: 'DELETE', url: `/v1/links/${linkId}`, headers: { prefer: 'return=representation' } });
    const { revocation } = DeleteLinkAnswerSchema.parse(res.json());
    expect(revocation?.own?.tokens.map((t) => [t.outcome, t.code])).toEqual([
      ['failed', 'HOST_NOT_ALLOWED'],
      ['failed', 'HOST_NOT_ALLOWED'],
    ]);
    expect(await quick.store.tokens.listForLink(linkId)).toEqual([]);
  });

  it('sends at most the cap of credentials for revocation (own first), deletes all, and reports the rest as not attempted', async () => {
    const { linkId } = await linkWithStoredTokens(quick, oidc.tokenEndpoint, oidc.revocationEndpoint, ['', 'alice', 'bob']);
    const clients = new OAuthClientFactory({ store: quick.store, vault: quick.vault, policy: new UrlPolicy(['127.0.0.1']), redirectUri: 'http://127.0.0.1:8787/oauth/callback', now: Date.now });
    const revoker = new CredentialRevoker({ store: quick.store, vault: quick.vault, clients, logger: createLogger('silent'), maxCredentials: 2 });
    const link = (await quick.store.links.get(linkId))!;
    // The sandbox does not know client-x: each revocation is refused as invalid_client, quickly.
    const report = await revoker.revokeLinkAround(link, async () => void (await quick.store.links.delete(linkId)));
    expect(report.own?.tokens.map((t) => t.code)).toEqual(['INVALID_CLIENT', 'INVALID_CLIENT']);
    expect(report.users).toEqual({ credentials: 2, revoked: 0, notRevoked: 2, codes: ['INVALID_CLIENT', 'NOT_ATTEMPTED'] });
    expect(await quick.store.tokens.listForLink(linkId)).toEqual([]);
  });

  /** A link whose own credential holds tokens written straight to the store (the remote never issued them). */
  async function linkWithStoredTokens(c: TestConnector, tokenEndpoint: string, revocationEndpoint: string, subjects: string[] = ['']): Promise<{ linkId: string; subject: string }> {
    const linkId = await createLink(c, oidc, 'post', {
      outgoing: { clientId: 'client-x', clientSecret: 'client-x-secret-0123456789abcdef', scopes: ['READ'], authorizationEndpoint: tokenEndpoint, tokenEndpoint, revocationEndpoint },
    });
    c.watch.secret('client-x-secret-0123456789abcdef');
    const now = new Date(clock.t).toISOString();
    const later = new Date(clock.t + 3600_000).toISOString();
    for (const subject of subjects) {
      const owner = tokenOwnerId(linkId, subject);
      await c.store.tokens.save(
        { linkId, subject, tokenType: 'Bearer', scopes: ['READ'], obtainedAt: now, expiresAt: later, refreshAt: later, hasRefreshToken: true, state: 'valid', failureCount: 0, nextAttemptAt: null, lastErrorCode: null, updatedAt: now },
        { accessToken: await c.vault.seal(owner, ACCESS_TOKEN_FIELD, 'stored-access-token-0123456789'), refreshToken: await c.vault.seal(owner, REFRESH_TOKEN_FIELD, 'stored-refresh-token-0123456789') },
      );
    }
    c.watch.secret('stored-access-token-0123456789');
    c.watch.secret('stored-refresh-token-0123456789');
    return { linkId, subject: '' };
  }
});
