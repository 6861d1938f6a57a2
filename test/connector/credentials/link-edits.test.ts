import { LinkViewSchema } from '../../../contract';
import { LEGACY_SECRETS_BOUND_SETTING, bindLegacySecrets, bindingSetting } from '../../../connector/src/links/secret-binding';
import { CLIENT_SECRET_FIELD } from '../../../connector/src/storage/store';
import type { TestConnector } from '../../helpers/connector-app';
import { startOidcServer, type OidcServer } from '../../helpers/oidc-server';
import { CALLBACK, authorize, createConsumer, createLink, readToken, startConnector, type Clock } from './lifecycle-steps';

/**
 * What editing a link does to its tokens (issue 11, items 12 and 2), against the real OAuth 2.0
 * test server: an edit that changes nothing keeps them; an edit that would send them (or the
 * client secret) somewhere else drops them or is refused.
 */
describe('link edits and the tokens they keep', () => {
  let oidc: OidcServer;
  let c: TestConnector;
  const clock: Clock = { t: Date.now() };

  beforeAll(async () => {
    oidc = await startOidcServer({ clients: { dc: { authMethod: 'client_secret_post', grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [CALLBACK] } } });
    c = await startConnector('sqlite', clock);
  });
  afterAll(async () => {
    expect(c.watch.leaks()).toEqual([]);
    await c.close();
    await oidc.stop();
  });

  async function connected(): Promise<{ linkId: string; apiKey: string; cached: string }> {
    const linkId = await createLink(c, oidc, 'dc');
    expect((await authorize(c, oidc, linkId)).status).toBe(200);
    const apiKey = await createConsumer(c, [linkId]);
    const first = await readToken(c, linkId, apiKey);
    expect(first.status).toBe(200);
    return { linkId, apiKey, cached: first.body.accessToken! };
  }

  const patch = async (linkId: string, payload: Record<string, unknown>) => {
    const res = await c.request({ method: 'PATCH', url: `/v1/links/${linkId}`, payload });
    return { status: res.statusCode, body: res.json() as Record<string, unknown> };
  };

  it('keeps the tokens and the status when an update sends the same client secret again', async () => {
    const { linkId, apiKey, cached } = await connected();
    const before = LinkViewSchema.parse((await c.request({ method: 'GET', url: `/v1/links/${linkId}` })).json());
    const client = oidc.clients.dc!;
    const res = await patch(linkId, { outgoing: { clientId: client.clientId, clientSecret: client.clientSecret, scopes: ['READ'], tokenEndpoint: oidc.tokenEndpoint } });
    expect(res.status).toBe(200);
    const after = LinkViewSchema.parse(res.body);
    expect(after.status).toBe('connected');
    expect(after.credential.state).toBe('valid');
    // The same secret is no new secret: its fingerprint keeps the time it was set.
    expect(after.outgoing.clientSecretFingerprint).toEqual(before.outgoing.clientSecretFingerprint);
    expect((await readToken(c, linkId, apiKey)).body.accessToken).toBe(cached);
  });

  it('still asks for authorization when the update sends another client secret', async () => {
    const { linkId } = await connected();
    const res = await patch(linkId, { outgoing: { clientSecret: 'another-secret-0123456789abcdef' } });
    expect(res.status).toBe(200);
    expect(LinkViewSchema.parse(res.body).status).toBe('needs-authorization');
  });

  /** Another origin on the same allowed host: the OAuth server's port plus one. */
  const elsewhere = () => {
    const url = new URL(oidc.tokenEndpoint);
    url.port = String(Number(url.port) + 1);
    return url.toString();
  };

  it('refuses to move the token endpoint to another origin without the client secret in the same request, and says why', async () => {
    const { linkId, apiKey, cached } = await connected();
    await oidc.resetCounts();
    const refused = await patch(linkId, { outgoing: { tokenEndpoint: elsewhere() } });
    expect(refused.status).toBe(400);
    const error = (refused.body as { error: { code: string; message: string; issues: { path: string }[] } }).error;
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toContain('enter the client secret again');
    expect(error.issues).toEqual([expect.objectContaining({ path: 'outgoing.clientSecret' })]);
    // Nothing changed: same endpoint, same tokens.
    expect(LinkViewSchema.parse((await c.request({ method: 'GET', url: `/v1/links/${linkId}` })).json()).outgoing.tokenEndpoint).toBe(oidc.tokenEndpoint);
    expect((await readToken(c, linkId, apiKey)).body.accessToken).toBe(cached);
    // With the secret entered again, the move is accepted and asks for a new authorization.
    const moved = await patch(linkId, { outgoing: { tokenEndpoint: elsewhere(), clientSecret: oidc.clients.dc!.clientSecret } });
    expect(moved.status).toBe(200);
    expect(LinkViewSchema.parse(moved.body)).toMatchObject({ status: 'needs-authorization', credential: { state: 'none' } });
    expect(await oidc.counts()).toEqual({});
  });

  it('binds the secret to its origin: a token endpoint changed behind the service\'s back gets no secret, nor does a copied binding help', async () => {
    const linkId = await createLink(c, oidc, 'dc');
    const link = (await c.store.links.get(linkId))!;
    // As an edit of the database would: the record moves, the sealed secret and its binding stay.
    await c.store.links.update({ ...link, outgoing: { ...link.outgoing, tokenEndpoint: elsewhere() }, version: link.version + 1 }, link.version);
    await oidc.resetCounts();
    const res = await c.request({ method: 'POST', url: `/v1/links/${linkId}/authorize`, payload: {} });
    expect(res.statusCode).toBe(409);
    expect((res.json() as { error: { code: string; message: string } }).error).toMatchObject({ code: 'LINK_NOT_CONFIGURED', message: expect.stringContaining('enter the client secret again') });
    // A binding copied from another link, rewritten for the new origin, does not verify: its MAC is keyed by the secret.
    const other = await createLink(c, oidc, 'dc');
    const copied = (await c.store.settings.get<{ origin: string; mac: string }>(bindingSetting(other)))!;
    await c.store.settings.set(bindingSetting(linkId), { ...copied, origin: new URL(elsewhere()).origin });
    expect((await c.request({ method: 'POST', url: `/v1/links/${linkId}/authorize`, payload: {} })).statusCode).toBe(409);
    expect(await oidc.counts()).toEqual({});
  });

  it('binds secrets stored before the upgrade once, and they keep working; after that a missing binding is refused', async () => {
    const linkId = await createLink(c, oidc, 'dc');
    // The state of a store written by the previous version: a secret without binding, no upgrade mark.
    await c.store.settings.delete(bindingSetting(linkId));
    await c.store.settings.delete(LEGACY_SECRETS_BOUND_SETTING);
    expect(await bindLegacySecrets({ store: c.store, vault: c.vault })).toBeGreaterThanOrEqual(1);
    expect(await c.store.settings.get(bindingSetting(linkId))).toMatchObject({ origin: new URL(oidc.tokenEndpoint).origin });
    expect(await c.store.secrets.get(linkId, CLIENT_SECRET_FIELD)).toBeDefined();
    expect((await authorize(c, oidc, linkId)).status).toBe(200);
    // Run again, it does nothing; a binding removed afterwards is not recreated, and the secret is not sent.
    expect(await bindLegacySecrets({ store: c.store, vault: c.vault })).toBe(0);
    await c.store.settings.delete(bindingSetting(linkId));
    expect((await c.request({ method: 'POST', url: `/v1/links/${linkId}/authorize`, payload: {} })).statusCode).toBe(409);
  });

  it('drops the tokens and asks for authorization when the API probe URL or the application moves to another origin', async () => {
    const probe = await connected();
    const samePlace = await patch(probe.linkId, { outgoing: { apiProbeUrl: `${oidc.baseUrl}/rest/api/2/myself` } });
    expect(LinkViewSchema.parse(samePlace.body).credential.state).toBe('valid');
    const away = await patch(probe.linkId, { outgoing: { apiProbeUrl: 'http://127.0.0.1:9/rest/api/2/myself' } });
    expect(away.status).toBe(200);
    expect(LinkViewSchema.parse(away.body)).toMatchObject({ status: 'needs-authorization', credential: { state: 'none' } });
    expect((await readToken(c, probe.linkId, probe.apiKey)).body.error?.code).toBe('NOT_AUTHORIZED');
  });
});
