import type { ConsentRequestView, ForgeLinkView, ResolverKey } from '../../contract';
import { forgeConsentPage } from '../../src/app/forge-consent-page';
import { ACTS_AS_APP_TEXT } from '../../src/incoming/consent-service';
import { ping } from './helpers/incoming-probe';
import { ADMIN, NOT_ADMIN, startForgeApp, type ForgeAppHarness } from './helpers/forge-app';
import { REDIRECT_URI, approve, authorize, consent, fullFlow, incomingLink, location, pkce, redeem, requestFor, requestIdOf, token } from './helpers/code-flow';

/**
 * The authorization code grant with PKCE on the cloud side's incoming credentials (issue 12): the
 * authorization endpoint's checks, consent by a signed-in account in the consent surface's
 * resolvers, the code's redemption at the token endpoint, revocation and metadata; and every
 * refusal the issue lists. Handlers are called as Forge calls them; one app per test (in memory).
 */

const ALICE = NOT_ADMIN;
let app: ForgeAppHarness;
beforeEach(() => {
  app = startForgeApp();
});
afterEach(() => {
  expect(app.watch.leaks()).toEqual([]);
});

const bodyOf = (response: { body: string }) => response.body;

describe('authorization code grant with PKCE', () => {
  it('takes a request through consent by an ordinary signed-in user to tokens that act for that account, storing only digests', async () => {
    const l = await incomingLink(app);
    const { verifier, challenge } = pkce();
    const sent = await authorize(app, requestFor(l, challenge));
    expect(sent.statusCode).toBe(302);
    const requestId = requestIdOf(app, sent);
    // The page body carries the same target as a link, for hosts that drop the Location header.
    expect(bodyOf(sent)).toContain(location(sent));

    const shown = await app.invoke<ConsentRequestView>('getConsentRequest' as ResolverKey, { requestId }, ALICE);
    expect(shown).toMatchObject({ success: true, data: { linkName: 'Jira Data Center', redirectUri: REDIRECT_URI, actsAs: 'app', actsAsText: ACTS_AS_APP_TEXT, scopes: [{ name: 'WRITE' }] } });
    // Ordinary users consent: Jira was never asked whether Alice administers it.
    expect(app.adminChecks).not.toContain(ALICE);

    const { code, state, redirectUrl } = await approve(app, requestId, ALICE);
    expect(redirectUrl.startsWith(`${REDIRECT_URI}?`)).toBe(true);
    expect(state).toBe('state-123');
    const issued = await redeem(app, l, code, verifier);
    expect(issued).toMatchObject({ status: 200, body: { token_type: 'Bearer', expires_in: 3600, scope: 'WRITE' } });
    const access = issued.body['access_token']!;
    expect(await ping(app, access)).toEqual(['WRITE']);
    expect(await app.services.tokens.checkAccess(access)).toMatchObject({ valid: true, subject: ALICE });

    // Refresh keeps rotating as before, and keeps the consenting account.
    const refreshed = await token(app, { grant_type: 'refresh_token', refresh_token: issued.body['refresh_token']!, client_id: l.clientId, client_secret: l.secret });
    expect(refreshed.status).toBe(200);
    expect(await app.services.tokens.checkAccess(refreshed.body['access_token']!)).toMatchObject({ valid: true, subject: ALICE });

    // Nothing the browser or the remote carries is stored as itself.
    const dump = JSON.stringify(app.store.dump());
    for (const value of [requestId, code, verifier, access, l.secret]) expect(dump).not.toContain(value);
    expect(app.logger.lines.length).toBeGreaterThan(0);
  });

  it('hands out each pending request once: a second decision, or one after ten minutes, is refused', async () => {
    const l = await incomingLink(app);
    const first = requestIdOf(app, await authorize(app, requestFor(l, pkce().challenge)));
    await approve(app, first, ALICE);
    expect(await consent(app, first, 'approve', ALICE)).toMatchObject({ success: false, status: 404 });

    const late = requestIdOf(app, await authorize(app, requestFor(l, pkce().challenge)));
    app.clock.advance(601);
    expect(await consent(app, late, 'approve', ALICE)).toMatchObject({ success: false, status: 404 });
  });

  it('refuses a consent call without a signed-in principal, and sends a denial back as access_denied with the state', async () => {
    const l = await incomingLink(app);
    const requestId = requestIdOf(app, await authorize(app, requestFor(l, pkce().challenge)));
    expect(await consent(app, requestId, 'approve', null)).toMatchObject({ success: false, status: 403 });
    // A payload cannot name who consents: the schema is strict.
    expect(await app.invoke('decideConsent' as ResolverKey, { requestId, decision: 'approve', accountId: ADMIN }, ALICE)).toMatchObject({ success: false, status: 400 });
    const denied = await consent(app, requestId, 'deny', ALICE);
    expect(denied.success).toBe(true);
    const url = new URL(denied.success ? denied.data.redirectUrl : '');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ error: 'access_denied', state: 'state-123' });
    expect(url.searchParams.get('code')).toBeNull();
  });
});

describe('the authorization endpoint refuses', () => {
  it('an unknown client, a wrong or missing redirect URI with a page and no redirect', async () => {
    const l = await incomingLink(app);
    const { challenge } = pkce();
    for (const changes of [{ client_id: 'f'.repeat(32) }, { client_id: undefined }, { redirect_uri: 'https://evil.example.com/callback' }, { redirect_uri: `${REDIRECT_URI}/` }, { redirect_uri: undefined }]) {
      const response = await authorize(app, requestFor(l, challenge, changes));
      expect(response.statusCode).toBe(400);
      expect(location(response)).toBeUndefined();
      expect(response.headers['Content-Type']?.[0]).toMatch(/^text\/html/);
    }
    expect(bodyOf(await authorize(app, requestFor(l, challenge, { redirect_uri: 'https://evil.example.com/callback' })))).toContain('Redirect URI mismatch');
  });

  it('a placeholder redirect URI, with a page that says to replace it on the link\'s page', async () => {
    const l = await incomingLink(app, { redirectUri: null });
    const response = await authorize(app, requestFor(l, pkce().challenge));
    expect(response.statusCode).toBe(400);
    expect(location(response)).toBeUndefined();
    expect(bodyOf(response)).toMatch(/placeholder/);
    expect(bodyOf(response)).toMatch(/replace it on the link&#39;s page/);

    // Flagged as a placeholder (the remote's own URL, as seed 000 suggests) is refused the same way.
    await app.call<ForgeLinkView>('updateIncomingCredentials', { id: l.link.id, redirectUri: REDIRECT_URI, redirectUriIsPlaceholder: true });
    expect(bodyOf(await authorize(app, requestFor(l, pkce().challenge)))).toMatch(/placeholder/);
  });

  it('a wrong response type, a missing state, scope escalation and missing or plain PKCE, back to the redirect URI with the state', async () => {
    const l = await incomingLink(app, { scopes: ['WRITE'] });
    const { challenge } = pkce();
    const refused = async (changes: Record<string, string | undefined>) => {
      const response = await authorize(app, requestFor(l, challenge, changes));
      expect(response.statusCode).toBe(302);
      const url = new URL(location(response)!);
      expect(url.origin + url.pathname).toBe(REDIRECT_URI);
      return Object.fromEntries(url.searchParams);
    };
    expect(await refused({ response_type: 'token' })).toMatchObject({ error: 'unsupported_response_type', state: 'state-123' });
    expect(await refused({ state: undefined })).toMatchObject({ error: 'invalid_request', error_description: 'state is required.' });
    expect(await refused({ scope: 'ADMIN' })).toMatchObject({ error: 'invalid_scope', state: 'state-123' });
    expect(await refused({ scope: 'WRITE SYSTEM_ADMIN' })).toMatchObject({ error: 'invalid_scope' });
    expect(await refused({ code_challenge_method: undefined })).toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(/PKCE is required/) });
    expect(await refused({ code_challenge_method: 'plain' })).toMatchObject({ error: 'invalid_request' });
    expect(await refused({ code_challenge: undefined })).toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(/code_challenge/) });
    // Lower scopes on the ladder are granted.
    expect((await authorize(app, requestFor(l, challenge, { scope: 'READ' }))).statusCode).toBe(302);
  });

  it('a parameter sent twice', async () => {
    const l = await incomingLink(app);
    const response = await authorize(app, { ...requestFor(l, pkce().challenge), state: ['a', 'b'] });
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatch(/state is sent more than once/);
  });
});

describe('the token endpoint refuses a code', () => {
  async function codeFor(l: Awaited<ReturnType<typeof incomingLink>>) {
    const { verifier, challenge } = pkce();
    const { code } = await approve(app, requestIdOf(app, await authorize(app, requestFor(l, challenge))), ALICE);
    return { code, verifier };
  }

  it('of another client, with a wrong or missing verifier, or another redirect URI, and leaves it usable by its owner', async () => {
    const l = await incomingLink(app);
    const other = await incomingLink(app, { name: 'Other Jira' });
    const { code, verifier } = await codeFor(l);
    expect(await redeem(app, other, code, verifier)).toMatchObject({ status: 400, body: { error: 'invalid_grant', error_description: expect.stringMatching(/another client/) } });
    expect(await redeem(app, l, code, verifier, { client_secret: other.secret })).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(await redeem(app, l, code, undefined)).toMatchObject({ status: 400, body: { error: 'invalid_grant', error_description: expect.stringMatching(/code_verifier is required/) } });
    expect(await redeem(app, l, code, pkce().verifier)).toMatchObject({ status: 400, body: { error: 'invalid_grant', error_description: expect.stringMatching(/does not match/) } });
    expect(await redeem(app, l, code, verifier, { redirect_uri: 'https://evil.example.com/callback' })).toMatchObject({ status: 400, body: { error: 'invalid_grant', error_description: expect.stringMatching(/redirect_uri/) } });
    expect((await redeem(app, l, code, verifier)).status).toBe(200);
  });

  it('redeemed twice, and revokes every token the first redemption issued (and their refreshes)', async () => {
    const l = await incomingLink(app);
    const { access, refresh, code, verifier } = await fullFlow(app, l, ALICE);
    expect(await ping(app, access)).toEqual(['WRITE']);
    expect(await redeem(app, l, code, verifier)).toMatchObject({ status: 400, body: { error: 'invalid_grant', error_description: expect.stringMatching(/already used/) } });
    expect(await ping(app, access)).toBeUndefined();
    expect(await token(app, { grant_type: 'refresh_token', refresh_token: refresh, client_id: l.clientId, client_secret: l.secret })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('after ten minutes', async () => {
    const l = await incomingLink(app);
    const { code, verifier } = await codeFor(l);
    app.clock.advance(600);
    expect(await redeem(app, l, code, verifier)).toMatchObject({ status: 400, body: { error: 'invalid_grant', error_description: expect.stringMatching(/invalid or expired/) } });
  });

  it('whose secret was issued again since consent, and whose link was deleted', async () => {
    const l = await incomingLink(app);
    const stale = await codeFor(l);
    const reissued = await app.call<{ clientSecret: string }>('issueIncomingCredentials', { id: l.link.id, scopes: ['WRITE'], redirectUri: REDIRECT_URI });
    const fresh = { ...l, secret: app.watch.secret(reissued.clientSecret) };
    expect(await redeem(app, fresh, stale.code, stale.verifier)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });

    const { access, refresh } = await fullFlow(app, fresh, ALICE);
    const pending = await codeFor(fresh);
    await app.call('deleteLink', { id: l.link.id });
    expect(await ping(app, access)).toBeUndefined();
    expect(await redeem(app, fresh, pending.code, pending.verifier)).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(await token(app, { grant_type: 'refresh_token', refresh_token: refresh, client_id: fresh.clientId, client_secret: fresh.secret })).toMatchObject({ status: 401 });
  });

  it('and a token of another link cannot be refreshed or revoked by it', async () => {
    const l = await incomingLink(app);
    const other = await incomingLink(app, { name: 'Other Jira' });
    const { refresh, access } = await fullFlow(app, l, ALICE);
    expect(await token(app, { grant_type: 'refresh_token', refresh_token: refresh, client_id: other.clientId, client_secret: other.secret })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    const revoke = await app.webTriggers['oauth-revoke']({ method: 'POST', headers: { 'Content-Type': ['application/x-www-form-urlencoded'] }, body: new URLSearchParams({ token: refresh, client_id: other.clientId, client_secret: other.secret }).toString() });
    expect(revoke.statusCode).toBe(400);
    expect(await ping(app, access)).toEqual(['WRITE']);
  });
});

describe('revocation (RFC 7009) and metadata (RFC 8414)', () => {
  const revoke = (form: Record<string, string>) =>
    app.webTriggers['oauth-revoke']({ method: 'POST', headers: { 'Content-Type': ['application/x-www-form-urlencoded'] }, body: new URLSearchParams(form).toString() });

  it('revokes a refresh token with its whole grant, an access token alone, and answers 200 to an unknown token', async () => {
    const l = await incomingLink(app);
    const first = await fullFlow(app, l, ALICE);
    expect((await revoke({ token: first.access, client_id: l.clientId, client_secret: l.secret })).statusCode).toBe(200);
    expect(await ping(app, first.access)).toBeUndefined();
    expect((await token(app, { grant_type: 'refresh_token', refresh_token: first.refresh, client_id: l.clientId, client_secret: l.secret })).status).toBe(200);

    const second = await fullFlow(app, l, ALICE);
    expect((await revoke({ token: second.refresh, token_type_hint: 'refresh_token', client_id: l.clientId, client_secret: l.secret })).statusCode).toBe(200);
    expect(await ping(app, second.access)).toBeUndefined();
    expect((await revoke({ token: 'not-a-token', client_id: l.clientId, client_secret: l.secret })).statusCode).toBe(200);
    expect((await revoke({ token: second.refresh, client_id: l.clientId, client_secret: 'wrong' })).statusCode).toBe(401);
    expect((await revoke({ client_id: l.clientId, client_secret: l.secret })).statusCode).toBe(400);
  });

  it('publishes every endpoint, and the link page shows the same URLs', async () => {
    const l = await incomingLink(app);
    const response = await app.webTriggers['oauth-metadata']({ method: 'GET' });
    const metadata = JSON.parse(response.body) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      issuer: 'https://example.atlassian-dev.net/x1/metadata-trigger',
      authorization_endpoint: 'https://example.atlassian-dev.net/x1/authorize-trigger',
      token_endpoint: 'https://example.atlassian-dev.net/x1/token-trigger',
      revocation_endpoint: 'https://example.atlassian-dev.net/x1/revoke-trigger',
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
      code_challenge_methods_supported: ['S256'],
      scopes_supported: ['READ', 'WRITE', 'ADMIN'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    });
    const link = await app.call<ForgeLinkView>('getLink', { id: l.link.id });
    expect(link.incoming).toMatchObject({
      authorizationEndpointUrl: metadata['authorization_endpoint'],
      tokenEndpointUrl: metadata['token_endpoint'],
      revocationEndpointUrl: metadata['revocation_endpoint'],
      metadataUrl: metadata['issuer'],
      gatewayUrl: 'https://example.atlassian-dev.net/x1/gateway-trigger',
    });
  });
});

describe('the consent page URL in Jira (Forge)', () => {
  it('is built from the app and environment ids and the site URL the resolvers noted, and is unknown before', async () => {
    const page = forgeConsentPage({
      store: app.store,
      appContext: () => ({ appAri: 'ari:cloud:ecosystem::app/1c0f3b2a-0000-4000-8000-000000000001', environmentAri: 'ari:cloud:ecosystem::environment/1c0f3b2a-0000-4000-8000-000000000001/5e1d0c9b-0000-4000-8000-000000000002' }),
      logger: app.logger,
    });
    expect(await page.url('a'.repeat(43))).toBeNull();
    await page.noteSite('http://evil.example.com');
    expect(await page.url('a'.repeat(43))).toBeNull();
    await page.noteSite('https://acme.atlassian.net');
    expect(await page.url('a'.repeat(43))).toBe(`https://acme.atlassian.net/jira/apps/1c0f3b2a-0000-4000-8000-000000000001/5e1d0c9b-0000-4000-8000-000000000002/consent/${'a'.repeat(43)}`);
  });
});
