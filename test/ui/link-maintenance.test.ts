/// <reference lib="dom" />
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { BrowserContext, FrameLocator, Page } from 'playwright-core';
import { ClientCredentials } from 'simple-oauth2';
import type { LinkView } from '../../contract';
import { startPreview, type Preview } from '../../preview/server';
import { ARTIFACTS, describeWithBrowser, launchBrowser, shot } from '../helpers/browser';
import { connectorGet, createAuthorizedLink } from '../helpers/preview-link';
import { previewConnectorTokens } from '../helpers/preview-connector-tokens';
import type { OidcClientSpec } from '../helpers/oidc-server';
import { startSandboxDc, type SandboxDc } from '../helpers/sandbox-dc';
import { signInAtSandbox } from '../helpers/sandbox-sign-in';
import { oauthFailure } from '../helpers/oauth-failure';
import { walkDataCenterOutgoingLink } from '../helpers/provider-walk';

/**
 * What an admin does on a link's page after the wizard, in Chromium against the local preview and
 * the sandbox Data Center: relocate the link when the remote moved, re-issue the client secret this
 * site gave the remote, and delete the link.
 */

const describeUi = describeWithBrowser('test/ui/link-maintenance', { needsBuild: true });

jest.setTimeout(180_000);

/** An OAuth 2.0 client of this site's token endpoint, as the remote's outgoing link is: client_credentials, the secret in the form body. */
function tokenClient(tokenUrl: URL, clientId: string, clientSecret: string): ClientCredentials {
  return new ClientCredentials({
    client: { id: clientId, secret: clientSecret },
    auth: { tokenHost: tokenUrl.origin, tokenPath: tokenUrl.pathname },
    options: { authorizationMethod: 'body', bodyFormat: 'form' },
    http: { timeout: 10_000 },
  });
}

/** The ping API, which answers 200 to a valid access token only. */
const ping = (pingUrl: string, accessToken: string) => fetch(pingUrl, { headers: { authorization: `Bearer ${accessToken}` }, signal: AbortSignal.timeout(10_000) });

describeUi('maintaining a link from its page, against the sandbox Data Center', () => {
  let preview: Preview;
  let dc: SandboxDc;
  let moved: SandboxDc;
  let dataDir: string;
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  let context: BrowserContext;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = mkdtempSync(path.join(tmpdir(), 'applinks-preview-'));
    preview = await startPreview({ dataDir, port: 0, logLevel: 'error' });
    // The client Jira issued to this site: secret in the body, the connector's callback as its redirect URI.
    const cloud = (fixed: { clientId?: string; clientSecret?: string } = {}): OidcClientSpec => ({
      authMethod: 'client_secret_post',
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [`${preview.connectorUrl}/oauth/callback`],
      ...fixed,
    });
    const scopes = ['READ', 'WRITE', 'ADMIN', 'SYSTEM_ADMIN'];
    dc = await startSandboxDc({ contextPath: '/jira', scopes, clients: { cloud: cloud() } });
    // The same Jira at its new address: its database came along, so it knows the client this site
    // uses (same ID and secret); the tokens the first one issued are not there (a sandbox cannot share them).
    const { clientId, clientSecret } = dc.clients.cloud!;
    moved = await startSandboxDc({ contextPath: '/jira', scopes, clients: { cloud: cloud({ clientId, clientSecret }) } });
    browser = await launchBrowser();
    context = browser.context;
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: preview.url });
  });
  afterAll(async () => {
    await browser?.close();
    await moved?.stop();
    await dc?.stop();
    await preview?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The preview's page, on the link's page. */
  async function openLinkPage(name: string): Promise<{ page: Page; app: FrameLocator; errors: string[] }> {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${preview.url}/`);
    const app = page.frameLocator('#forge-app');
    await app.getByRole('button', { name, exact: true }).click();
    await app.getByRole('heading', { name: /This site/ }).waitFor();
    return { page, app, errors };
  }

  it('relocates a link to the remote\'s new address: the page shows the new URL, the test runs there, and authorizing there again turns it green', async () => {
    const client = dc.clients.cloud!;
    const { link } = await createAuthorizedLink(preview, dc, { name: 'Jira (moving)', client });
    expect(link.status).toBe('connected');
    const { page, app, errors } = await openLinkPage('Jira (moving)');
    const newPort = new URL(moved.baseUrl).port;

    // Green at the old address first, so that the relocation visibly clears the last test.
    await app.getByRole('button', { name: 'Test connection' }).click();
    await app.locator('[data-testid="test-result"][data-ok="true"]').waitFor();

    await app.getByRole('button', { name: 'Relocate', exact: true }).click();
    const dialog = app.getByRole('dialog');
    await dialog.getByLabel('New application URL').fill(moved.baseUrl);
    await dc.resetCounts();
    // Another host, so another token endpoint origin: without the secret entered again the move is
    // refused, the reason under the secret field, and the dialog stays open.
    await dialog.getByRole('button', { name: 'Relocate', exact: true }).click();
    await dialog.locator('.field .error').filter({ hasText: 'required when the token endpoint moves to another origin' }).waitFor();
    expect(await dialog.textContent()).toContain('enter the client secret again');
    expect(((await connectorGet(preview, `/v1/links/${link.id}`)).body as LinkView).applicationUrl).toBe(dc.baseUrl);
    await dialog.getByLabel('Outgoing client secret').fill(client.clientSecret);
    await shot(page, '30-relocate-dialog');
    await dialog.getByRole('button', { name: 'Relocate', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });

    // The page: the new URL, the old test gone, and the status asks for a new authorization.
    await app.locator('dl.meta code').filter({ hasText: moved.baseUrl }).waitFor();
    expect(await app.locator('dl.meta').textContent()).not.toContain(dc.baseUrl);
    await app.getByText('Not tested yet.').waitFor();
    expect(await app.locator('h1 [data-status]').getAttribute('data-status')).toBe('needs-authorization');
    expect(await app.getByRole('button', { name: 'Authorize', exact: true }).count()).toBe(1);
    // Relocate keeps the client ID and secret, and moves the endpoints that followed the old URL.
    expect(await app.locator('[data-value="outgoing-client-id"] code').textContent()).toBe(client.clientId);
    expect(await app.locator('[data-value="outgoing-secret"]').textContent()).toContain(client.clientSecret.slice(-4));
    // The remote's redirect URI was still the placeholder (the remote's URL): it moved too.
    expect(await app.locator('[data-value="remote-redirect-uri"] code').textContent()).toBe(moved.baseUrl);
    await shot(page, '31-relocated');
    const onConnector = await connectorGet(preview, `/v1/links/${link.id}`);
    expect(onConnector.status).toBe(200);
    const view = onConnector.body as LinkView;
    expect(view.applicationUrl).toBe(moved.baseUrl);
    expect(view.outgoing).toMatchObject({
      clientId: client.clientId,
      hasClientSecret: true,
      authorizationEndpoint: `${moved.baseUrl}/rest/oauth2/latest/authorize`,
      tokenEndpoint: `${moved.baseUrl}/rest/oauth2/latest/token`,
    });

    // The tokens the old address issued were dropped with the move: they belong to another token
    // endpoint, and their refresh token must not be sent to a new host.
    expect(view.credential.state).toBe('none');
    expect(await app.getByTestId('credential').textContent()).toBe('Not authorized yet');

    // Test at the new address. The moved Jira knows the client (its database came along), and the
    // token stage says what is missing: an authorization there.
    await app.getByRole('button', { name: 'Test connection' }).click();
    await app.locator('[data-testid="test-result"][data-ok="false"]').waitFor();
    const stage = (name: string) => app.locator(`[data-testid="test-result"] tr[data-stage="${name}"]`);
    expect(await stage('tcp').textContent()).toContain(`port ${newPort}`);
    expect(await stage('manifest').getAttribute('data-code')).toBe('OK');
    expect(await stage('credentials').textContent()).toContain('The remote knows the client ID and accepts the secret.');
    expect(await stage('token').getAttribute('data-code')).toBe('NEEDS_AUTHORIZATION');
    await stage('token').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, '32-relocated-test-needs-authorization.png') });

    // Authorize again, in the moved Jira's sign-in page, and the test is green there.
    const popupEvent = context.waitForEvent('page');
    await app.getByRole('button', { name: 'Authorize', exact: true }).click();
    const popup = await popupEvent;
    await popup.waitForLoadState();
    expect(popup.url().startsWith(`${moved.issuer}/`)).toBe(true);
    await signInAtSandbox(popup, preview.connectorUrl);
    expect(await popup.textContent('body')).toMatch(/authori[sz]ed/i);
    await popup.close();

    await app.getByRole('button', { name: 'Test connection' }).click();
    await app.locator('[data-testid="test-result"][data-ok="true"]').waitFor();
    expect(await stage('tcp').textContent()).toContain(`port ${newPort}`);
    expect(await stage('api').textContent()).toContain('/jira/rest/api/2/myself answered 200');
    await app.locator('h1 [data-status="connected"]').waitFor();
    // The history records the move, from the old address to the new one.
    const relocated = app.locator('tr').filter({ has: app.getByRole('cell', { name: 'link.relocated', exact: true }) });
    expect(await relocated.textContent()).toContain(`applicationUrl: ${dc.baseUrl} → ${moved.baseUrl}`);
    await app.getByTestId('test-result').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, '33-relocated-authorized-green.png') });
    // Everything after the move went to the new address; the old one saw nothing.
    expect(await dc.counts()).toEqual({});
    expect((await moved.counts()).authorization_code).toBeGreaterThanOrEqual(2);
    expect(errors).toEqual([]);
  });

  it('issues a new incoming client secret: shown once with a copy button, then only its fingerprint; the old secret gets no token, the new one does', async () => {
    const { link, incoming } = await createAuthorizedLink(preview, dc, { name: 'Jira (rotating)', client: dc.clients.cloud! });
    const oldSecret = incoming.clientSecret;
    const clientId = incoming.incoming.clientId;
    const { page, app, errors } = await openLinkPage('Jira (rotating)');

    // The token endpoint the remote's outgoing link was given, as the page shows it.
    const tokenUrl = new URL((await app.locator('[data-copy="Token endpoint URL"] code').textContent()) ?? '');
    expect(tokenUrl.origin).toBe(preview.url);
    const pingUrl = link.incoming!.pingUrl!;
    // The page's "Incoming client secret" value: when it was issued and its last four characters.
    const secretValue = app.locator('.value').filter({ has: app.locator('.label', { hasText: /^Incoming client secret$/ }) });
    expect(await secretValue.locator('code').textContent()).toBe(oldSecret.slice(-4));
    expect(await app.locator('[data-copy="Incoming client ID"] code').textContent()).toBe(clientId);
    // Before: the secret issued with the link gets a token, and the token works.
    const before = await tokenClient(tokenUrl, clientId, oldSecret).getToken({});
    const oldAccessToken = String(before.token.access_token);
    expect((await ping(pingUrl, oldAccessToken)).status).toBe(200);

    await app.getByRole('button', { name: 'Issue a new secret' }).click();
    // It asks first: the current secret stops working at once.
    const confirm = app.getByRole('dialog', { name: 'Issue a new client secret?' });
    await confirm.waitFor();
    expect(await confirm.textContent()).toContain('stops working at once');
    await shot(page, '34a-reissue-confirm');
    await confirm.getByRole('button', { name: 'Issue a new secret' }).click();
    const banner = app.locator('.banner').filter({ hasText: 'New client secret: copy it now, it is shown this once' });
    await banner.waitFor();
    const newSecret = (await banner.locator('[data-secret="true"]').textContent()) ?? '';
    expect(newSecret.length).toBeGreaterThan(20);
    expect(newSecret).not.toBe(oldSecret);
    // The remote's outgoing link holds the old secret now: its step is to do again.
    expect(await app.locator('li[data-step="remote-outgoing-link"]').getAttribute('data-status')).toBe('pending');
    // One copy button, and it copies the secret.
    const copy = app.getByRole('button', { name: 'Copy Incoming client secret' });
    expect(await copy.count()).toBe(1);
    await copy.click();
    await app.getByRole('button', { name: 'Copy Incoming client secret' }).filter({ hasText: 'Copied' }).waitFor();
    const frame = page.frame({ url: /\/app\/index\.html/ })!;
    expect(await frame.evaluate(() => navigator.clipboard.readText())).toBe(newSecret);
    // The client ID stays; the fingerprint now names the new secret.
    expect(await app.locator('[data-copy="Incoming client ID"] code').textContent()).toBe(clientId);
    expect(await secretValue.locator('code').textContent()).toBe(newSecret.slice(-4));
    await shot(page, '34-incoming-secret-reissued');

    // Afterwards (back to the list and to the link again): the fingerprint only, the secret nowhere.
    await app.getByRole('button', { name: '← Application links' }).click();
    await app.getByRole('button', { name: 'Jira (rotating)', exact: true }).click();
    await app.getByRole('heading', { name: /This site/ }).waitFor();
    expect(await app.locator('[data-secret="true"]').count()).toBe(0);
    expect(await app.getByText('New client secret: copy it now').count()).toBe(0);
    expect(await secretValue.locator('code').textContent()).toBe(newSecret.slice(-4));
    const html = await frame.content();
    expect(html).not.toContain(newSecret);
    expect(html).not.toContain(oldSecret);
    await shot(page, '35-incoming-fingerprint-only');

    // At the token endpoint, as the remote's outgoing link asks it (client_credentials, secret in the body):
    // the old secret is refused, and the token it got before no longer works; the new secret gets a working token.
    const refused = await oauthFailure(tokenClient(tokenUrl, clientId, oldSecret).getToken({}));
    expect(refused).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect((await ping(pingUrl, oldAccessToken)).status).toBe(401);
    const after = await tokenClient(tokenUrl, clientId, newSecret).getToken({});
    expect(after.token).toMatchObject({ token_type: 'Bearer', scope: 'READ' });
    const pinged = await ping(pingUrl, String(after.token.access_token));
    expect(pinged.status).toBe(200);
    expect(await pinged.json()).toMatchObject({ status: 'ok', clientId });
    expect(errors).toEqual([]);
  });

  it('lists the active incoming client with when it was last used, and revokes it: its secret and tokens stop at once, and the history says who', async () => {
    const { link, incoming } = await createAuthorizedLink(preview, dc, { name: 'Jira (revoking)', client: dc.clients.cloud! });
    const clientId = incoming.incoming.clientId;
    const tokenUrl = new URL(link.incoming!.tokenEndpointUrl!);
    const token = await tokenClient(tokenUrl, clientId, incoming.clientSecret).getToken({});
    const accessToken = String(token.token.access_token);
    expect((await ping(link.incoming!.pingUrl!, accessToken)).status).toBe(200);
    const { page, app, errors } = await openLinkPage('Jira (revoking)');

    const table = app.getByRole('table', { name: 'Active incoming clients' });
    const row = table.locator('tbody tr');
    await row.first().waitFor();
    expect(await row.count()).toBe(1);
    const cells = await row.locator('td').allTextContents();
    expect(cells[0]).toBe(clientId);
    expect(cells[1]).toBe('READ');
    // The token above was obtained just now: its use is recorded.
    expect(cells[2]).toMatch(/used \d/);
    await shot(page, '35a-incoming-clients');

    await app.getByRole('button', { name: `Revoke client ${clientId}` }).click();
    const confirm = app.getByRole('dialog', { name: 'Revoke this incoming client?' });
    await confirm.waitFor();
    expect(await confirm.textContent()).toContain('stop working at once');
    await confirm.getByRole('button', { name: 'Revoke', exact: true }).click();
    await app.getByTestId('incoming-clients').getByText('None:').waitFor();
    // The link has no incoming credentials now: the form to issue them is back.
    expect(await app.locator('[data-copy="Incoming client ID"]').count()).toBe(0);
    const revoked = app.locator('tr').filter({ has: app.getByRole('cell', { name: 'incoming.revoked', exact: true }) });
    await revoked.first().waitFor();
    await shot(page, '35b-incoming-client-revoked');

    const refused = await oauthFailure(tokenClient(tokenUrl, clientId, incoming.clientSecret).getToken({}));
    expect(refused).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect((await ping(link.incoming!.pingUrl!, accessToken)).status).toBe(401);
    expect(errors).toEqual([]);
  });

  it('deletes a link from its page: gone from this site and from the connector, its tokens revoked at both ends item by item, and the page says what to remove in the remote application', async () => {
    const client = dc.clients.cloud!;
    const { link, incoming } = await createAuthorizedLink(preview, dc, { name: 'Jira (leaving)', client });
    expect((await connectorGet(preview, `/v1/links/${link.id}`)).status).toBe(200);
    // The connector's token works at the sandbox Data Center's API before the delete, and so does this site's issued one.
    const held = await previewConnectorTokens(dataDir, link.id);
    const myself = (token: string) => fetch(`${dc.baseUrl}/rest/api/2/myself`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
    expect((await myself(held.accessToken)).status).toBe(200);
    const issued = await tokenClient(new URL(link.incoming!.tokenEndpointUrl!), incoming.incoming.clientId, incoming.clientSecret).getToken({});
    expect((await ping(link.incoming!.pingUrl!, String(issued.token.access_token))).status).toBe(200);
    const { page, app, errors } = await openLinkPage('Jira (leaving)');

    await app.getByRole('button', { name: 'Delete', exact: true }).click();
    const dialog = app.getByRole('dialog');
    await dialog.getByText('The link\'s half in Jira Data Center stays: its administrator removes it there.').waitFor();
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();

    await app.getByRole('heading', { name: 'Link deleted' }).waitFor();
    await app.locator('.banner.success').filter({ hasText: 'Deleted here and on the connector' }).waitFor();
    const remote = app.locator('.banner').filter({ hasText: "The remote application's half could not be removed from here" });
    const whatToCheck = await remote.locator('li').allTextContents();
    expect(whatToCheck).toEqual([
      `Log in to Jira Data Center at ${dc.baseUrl} as an administrator and open its application links (Administration > Applications > Application links).`,
      `Delete the incoming link whose client ID is ${client.clientId}: this site used it to call Jira Data Center.`,
      `Delete the outgoing link that uses this site's client ID ${incoming.incoming.clientId}: its credentials and tokens no longer work.`,
    ]);
    // What stopped working, item by item: the connector's two tokens revoked at the Data Center, this site's client gone.
    const revocation = app.getByTestId('revocation');
    const items = await revocation.locator('li').evaluateAll((lis) => lis.map((li) => [li.getAttribute('data-item'), li.getAttribute('data-outcome'), li.textContent]));
    expect(items).toEqual([
      ['refresh_token', 'revoked', `Refresh token revoked at Jira Data Center (${dc.revocationEndpoint}).`],
      ['access_token', 'revoked', `Access token revoked at Jira Data Center (${dc.revocationEndpoint}).`],
      [`incoming-${incoming.incoming.clientId}`, 'revoked', `This site's client ID ${incoming.incoming.clientId} is deleted: every access and refresh token it issued to Jira Data Center is refused from now on.`],
    ]);
    expect(await revocation.locator('strong').textContent()).toBe('Tokens: revoked');
    await shot(page, '36-deleted');
    // The Data Center refuses the connector's old access token now, and its refresh token is dead there too.
    expect((await myself(held.accessToken)).status).toBe(401);
    const introspected = await fetch(dc.introspectionEndpoint, {
      method: 'POST',
      body: new URLSearchParams({ token: held.refreshToken!, client_id: client.clientId, client_secret: client.clientSecret }),
      signal: AbortSignal.timeout(10_000),
    });
    expect(await introspected.json()).toEqual({ active: false });
    // And this site's ping API refuses the token it issued to the Data Center.
    expect((await ping(link.incoming!.pingUrl!, String(issued.token.access_token))).status).toBe(401);

    // Gone from the connector (its secret and tokens with it), and from this site.
    expect((await connectorGet(preview, `/v1/links/${link.id}`)).status).toBe(404);
    const again = await preview.invoke('getLink', { id: link.id });
    expect(again.success ? 'found' : again.errors[0]?.code).toBe('NOT_FOUND');
    const refused = await oauthFailure(tokenClient(new URL(link.incoming!.tokenEndpointUrl!), incoming.incoming.clientId, incoming.clientSecret).getToken({}));
    expect(refused).toMatchObject({ status: 401, body: { error: 'invalid_client' } });

    await app.getByRole('button', { name: 'Back to the links' }).click();
    await app.locator('table[aria-label$="application links"], .empty h2').first().waitFor();
    expect(await app.locator(`tr[data-link-id="${link.id}"]`).count()).toBe(0);
    expect(await app.getByRole('button', { name: 'Jira (leaving)', exact: true }).count()).toBe(0);
    await shot(page, '37-deleted-list');
    expect(errors).toEqual([]);
  });

  it("completes the sandbox Data Center's outgoing link to this site, consents as an ordinary user, calls Jira within its scope, and stops at the next refresh after a new secret", async () => {
    await walkDataCenterOutgoingLink({ preview, dc, context });
  });
});
