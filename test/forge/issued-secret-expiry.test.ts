import { ClientCredentials } from 'simple-oauth2';
import type { ForgeLinkView, IssuedIncomingCredentials } from '../../contract';
import { createTokenEndpoint } from '../../src/incoming/token-endpoint';
import { oauthFailure } from '../helpers/oauth-failure';
import { startForgeApp } from './helpers/forge-app';
import { serveWebTriggers } from './helpers/web-trigger-server';

/**
 * The cloud side's issued secret with an expiry (issue 15 item 4): the token endpoint takes it
 * until then and refuses it afterwards with invalid_client, and the link view forecasts it.
 */
describe('an incoming secret issued with an expiry', () => {
  it('works until it expires, is then refused with invalid_client, and the link view forecasts it', async () => {
    const app = startForgeApp();
    const link = await app.call<ForgeLinkView>('createLink', { name: 'Jira DC', remoteKind: 'jira', applicationUrl: 'https://jira.example.com' });
    // The harness clock starts 2026-03-01T10:00Z; the secret stops working on 2026-03-03 (UTC).
    const issued = await app.call<IssuedIncomingCredentials>('issueIncomingCredentials', { id: link.id, scopes: ['READ'], secretExpiresAt: '2026-03-03' });
    app.watch.secret(issued.clientSecret, (text) => text.includes('"clientSecret"'));
    expect(issued.incoming.secretExpiresAt).toBe('2026-03-03T00:00:00.000Z');
    const view = await app.call<ForgeLinkView>('getLink', { id: link.id });
    expect(view.forecasts).toEqual([{ kind: 'issued-secret', expiresAt: '2026-03-03T00:00:00.000Z', source: 'set when the incoming secret was issued' }]);

    const server = await serveWebTriggers({ token: createTokenEndpoint({ clients: app.services.clients, tokens: app.services.tokens, logger: app.logger }) });
    try {
      const client = new ClientCredentials({ client: { id: issued.incoming.clientId, secret: issued.clientSecret }, auth: { tokenHost: server.url, tokenPath: '/token' }, http: { timeout: 5000 } });
      const token = await client.getToken({});
      app.watch.secret(String(token.token.access_token));
      expect(token.token.access_token).toEqual(expect.any(String));

      app.clock.advance(38 * 3600);
      expect(await oauthFailure(client.getToken({}))).toMatchObject({ status: 401, body: { error: 'invalid_client' } });

      // Issuing again without an expiry gives a secret that does not expire, and no forecast.
      const again = await app.call<IssuedIncomingCredentials>('issueIncomingCredentials', { id: link.id, scopes: ['READ'] });
      app.watch.secret(again.clientSecret, (text) => text.includes('"clientSecret"'));
      expect(again.incoming.secretExpiresAt).toBeNull();
      expect((await app.call<ForgeLinkView>('getLink', { id: link.id })).forecasts).toEqual([]);
      const renewed = new ClientCredentials({ client: { id: again.incoming.clientId, secret: again.clientSecret }, auth: { tokenHost: server.url, tokenPath: '/token' }, http: { timeout: 5000 } });
      app.watch.secret(String((await renewed.getToken({})).token.access_token));
      expect(app.watch.leaks()).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('refuses an expiry that is not a date', async () => {
    const app = startForgeApp();
    const link = await app.call<ForgeLinkView>('createLink', { name: 'Jira DC', remoteKind: 'jira', applicationUrl: 'https://jira.example.com' });
    await expect(app.call('issueIncomingCredentials', { id: link.id, scopes: ['READ'], secretExpiresAt: 'next week' })).rejects.toThrow();
  });
});
