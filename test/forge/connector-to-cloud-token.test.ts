import { LinkViewSchema, type ForgeLinkView, type IssuedIncomingCredentials } from '../../contract';
import { createPingApi } from '../../src/incoming/ping-api';
import { createTokenEndpoint } from '../../src/incoming/token-endpoint';
import { startTestConnector, type TestConnector } from '../helpers/connector-app';
import { startForgeApp } from './helpers/forge-app';
import { serveWebTriggers, type WebTriggerServer } from './helpers/web-trigger-server';

/**
 * Both products end to end over HTTP: the connector, as a client of the cloud side, gets tokens
 * with client credentials from this app's token endpoint (the web trigger handler served on
 * 127.0.0.1), serves them to a consumer, and they open the cloud side's ping API. Issuing the
 * incoming secret again on the admin page cuts the connector off at its next renewal.
 */
/** The connector's answer to its consumer, the one place a token may appear. */
const isTokenResponse = (text: string): boolean => text.startsWith('200 ') && text.includes('"accessToken"');

describe("the connector using the cloud side's token endpoint", () => {
  let server: WebTriggerServer | undefined;
  let c: TestConnector | undefined;
  afterEach(async () => {
    await c?.close();
    await server?.close();
  });

  it('obtains, serves and renews client-credentials tokens that the ping API accepts, and stops when the secret is issued again', async () => {
    const app = startForgeApp();
    const link = await app.call<ForgeLinkView>('createLink', { name: 'Jira DC', remoteKind: 'jira', applicationUrl: 'https://jira.example.com' });
    const issued = await app.call<IssuedIncomingCredentials>('issueIncomingCredentials', { id: link.id, scopes: ['READ'] });
    server = await serveWebTriggers({
      token: createTokenEndpoint({ clients: app.services.clients, tokens: app.services.tokens, logger: app.logger }),
      ping: createPingApi({ tokens: app.services.tokens, logger: app.logger }),
    });
    const clock = { t: Date.now() };
    c = await startTestConnector({ env: { CONNECTOR_ALLOWED_HOSTS: '127.0.0.1' }, credentials: { now: () => clock.t, providerTimeoutMs: 2_000 } });
    const secret = c.watch.secret(app.watch.secret(issued.clientSecret));

    const created = await c.request({
      method: 'POST',
      url: '/v1/links',
      payload: {
        name: 'Jira Cloud (this site)',
        remoteKind: 'custom',
        applicationUrl: server.url,
        outgoing: { clientId: issued.incoming.clientId, clientSecret: secret, grantType: 'client_credentials', scopes: ['READ'], tokenEndpoint: `${server.url}/token` },
      },
    });
    expect(created.statusCode).toBe(201);
    const linkId = LinkViewSchema.parse(created.json()).id;
    expect((await c.request({ method: 'POST', url: `/v1/links/${linkId}/authorize`, payload: {} })).json()).toEqual({ authorizationUrl: null, expiresAt: null });
    const view = LinkViewSchema.parse((await c.request({ method: 'GET', url: `/v1/links/${linkId}` })).json());
    expect(view.status).toBe('connected');
    expect(view.credential.state).toBe('valid');

    const consumer = await c.request({ method: 'POST', url: '/v1/consumers', payload: { name: 'DC integration', linkIds: [linkId] } });
    const apiKey = c.watch.secret((consumer.json() as { apiKey: string }).apiKey, (text) => text.startsWith('201 ') && text.includes('"apiKey"'));
    const read = async () => c!.request({ method: 'GET', url: `/v1/links/${linkId}/token`, token: apiKey });
    const first = (await read()).json() as { accessToken: string };
    c.watch.secret(first.accessToken, isTokenResponse);
    const ping = await fetch(`${server.url}/ping`, { headers: { authorization: `Bearer ${first.accessToken}` } });
    expect(ping.status).toBe(200);

    // Past its expiry the connector obtains a new one; the cloud side accepts it too.
    clock.t += 3600_000 + 1_000;
    const second = (await read()).json() as { accessToken: string };
    c.watch.secret(second.accessToken, isTokenResponse);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect((await fetch(`${server.url}/ping`, { headers: { authorization: `Bearer ${second.accessToken}` } })).status).toBe(200);

    // The admin issues the secret again: the connector's copy no longer works at the next renewal,
    // and the consumer is told why instead of getting a dead token.
    await app.call<IssuedIncomingCredentials>('issueIncomingCredentials', { id: link.id, scopes: ['READ'] });
    clock.t += 3600_000 + 1_000;
    const refused = await read();
    expect(refused.statusCode).toBe(503);
    expect(refused.json()).toMatchObject({ error: { code: 'TOKEN_UNAVAILABLE' } });
    // The consumer's operator learns why, and what to do.
    expect((refused.json() as { error: { message: string } }).error.message).toMatch(/with INVALID_CLIENT\. The remote rejected the client ID or secret/);
    const after = LinkViewSchema.parse((await c.request({ method: 'GET', url: `/v1/links/${linkId}` })).json());
    expect(after.credential).toMatchObject({ state: 'expired', failedRefreshes: 1, lastErrorCode: 'INVALID_CLIENT' });
    // Not "connected" any more: a person must enter the new secret.
    expect(after.status).toBe('failing');
    expect(after.statusReason).toMatch(/^Renewing the access token failed with INVALID_CLIENT\. The remote rejected the client ID or secret/);

    // The new secret entered on the connector: the next read obtains a token and the link is connected again.
    const fresh = await app.call<IssuedIncomingCredentials>('issueIncomingCredentials', { id: link.id, scopes: ['READ'] });
    const newSecret = c.watch.secret(app.watch.secret(fresh.clientSecret));
    await c.request({ method: 'PATCH', url: `/v1/links/${linkId}`, payload: { outgoing: { clientSecret: newSecret } } });
    expect((await c.request({ method: 'POST', url: `/v1/links/${linkId}/authorize`, payload: {} })).statusCode).toBe(200);
    const third = await read();
    expect(third.statusCode).toBe(200);
    c.watch.secret((third.json() as { accessToken: string }).accessToken, isTokenResponse);
    expect(LinkViewSchema.parse((await c.request({ method: 'GET', url: `/v1/links/${linkId}` })).json()).status).toBe('connected');

    expect(c.watch.leaks()).toEqual([]);
    expect(app.watch.leaks()).toEqual([]);
  });
});
