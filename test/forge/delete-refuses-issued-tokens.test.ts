import { ClientCredentials } from 'simple-oauth2';
import type { DeleteLinkResult, ForgeLinkView, IssuedIncomingCredentials } from '../../contract';
import { createPingApi } from '../../src/incoming/ping-api';
import { createTokenEndpoint } from '../../src/incoming/token-endpoint';
import { oauthFailure } from '../helpers/oauth-failure';
import { startForgeApp, type ForgeAppHarness } from './helpers/forge-app';
import { serveWebTriggers, type WebTriggerServer } from './helpers/web-trigger-server';

/**
 * Deleting a link ends, at once, every token this site issued for it: the remote's outgoing link
 * holds an access token and a refresh token from this site's token endpoint, and after the delete
 * the ping API refuses the first and the token endpoint the second, with no time passing. The
 * delete's answer names the incoming clients that went with the link.
 */
describe("deleting a link refuses this site's issued tokens at once", () => {
  let server: WebTriggerServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function issuedTokens(app: ForgeAppHarness) {
    const link = await app.call<ForgeLinkView>('createLink', { name: 'Jira DC', remoteKind: 'jira', applicationUrl: 'https://jira.example.com' });
    const issued = await app.call<IssuedIncomingCredentials>('issueIncomingCredentials', { id: link.id, scopes: ['WRITE'] });
    app.watch.secret(issued.clientSecret);
    server = await serveWebTriggers({
      token: createTokenEndpoint({ clients: app.services.clients, tokens: app.services.tokens, logger: app.logger }),
      ping: createPingApi({ tokens: app.services.tokens, logger: app.logger }),
    });
    const client = new ClientCredentials({
      client: { id: issued.incoming.clientId, secret: issued.clientSecret },
      auth: { tokenHost: server.url, tokenPath: '/token' },
      options: { authorizationMethod: 'body', bodyFormat: 'form' },
      http: { timeout: 5000 },
    });
    const token = await client.getToken({});
    const accessToken = app.watch.secret(String(token.token.access_token));
    const refreshToken = app.watch.secret(String(token.token.refresh_token));
    const ping = (bearer: string) => fetch(`${server!.url}/ping`, { headers: { authorization: `Bearer ${bearer}` } });
    // Both work before the delete.
    expect((await ping(accessToken)).status).toBe(200);
    const refreshed = await client.createToken({ refresh_token: refreshToken }).refresh();
    return {
      link,
      clientId: issued.incoming.clientId,
      accessToken: app.watch.secret(String(refreshed.token.access_token)),
      refreshToken: app.watch.secret(String(refreshed.token.refresh_token)),
      refresh: () => oauthFailure(client.createToken({ refresh_token: refreshed.token.refresh_token }).refresh()),
      ping,
    };
  }

  it('refuses the access token at the ping API and the refresh token at the token endpoint right after the delete', async () => {
    const app = startForgeApp();
    const t = await issuedTokens(app);
    const result = await app.call<DeleteLinkResult>('deleteLink', { id: t.link.id });
    expect(result.revocation.incomingClients).toEqual([t.clientId]);
    expect((await t.ping(t.accessToken)).status).toBe(401);
    expect(await t.refresh()).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(app.watch.leaks()).toEqual([]);
  });

  it('refuses them too when the connector could not be reached and the delete was forced', async () => {
    const app = startForgeApp();
    const t = await issuedTokens(app);
    app.connector.unreachable = true;
    const result = await app.call<DeleteLinkResult>('deleteLink', { id: t.link.id, force: true });
    expect(result.connector).toBe('not-deleted');
    expect(result.revocation).toEqual({ connectorTokens: null, incomingClients: [t.clientId] });
    expect((await t.ping(t.accessToken)).status).toBe(401);
    expect(await t.refresh()).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });
});
