import { LinkViewSchema } from '../../../contract';
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
});
