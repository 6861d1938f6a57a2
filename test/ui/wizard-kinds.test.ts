/// <reference lib="dom" />
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { BrowserContext, FrameLocator, Page } from 'playwright-core';
import type { LinkView } from '../../contract';
import { startPreview, type Preview } from '../../preview/server';
import { ARTIFACTS, describeWithBrowser, launchBrowser, shot } from '../helpers/browser';
import { connectorGet } from '../helpers/preview-link';
import { startSandboxDc, type SandboxDc } from '../helpers/sandbox-dc';
import { signInAtSandbox } from '../helpers/sandbox-sign-in';

/**
 * Issue 14 items 1, 2, 5, 6 and 7, walked in the admin page (preview, real connector, sandbox
 * OAuth 2.0 servers), one page session per group so the file stays cheap:
 * - a custom OAuth 2.0 provider found by its metadata, created with HTTP Basic, PKCE and an extra
 *   parameter, authorized, tested, then edited on its page;
 * - Microsoft Entra ID's tenant, secret expiry and secret-ID warning; Google's private redirect URL;
 * - version rules (OAuth 2.0 cannot be chosen below the minimum; the review warns when unverified;
 *   an outgoing-only link's test passes with the version as information), the duplicate-link
 *   warning, relocation to an address whose display URL differs, and why Data Center's incoming
 *   link is an External application.
 */
const describeUi = describeWithBrowser('test/ui/wizard-kinds', { needsBuild: true });

jest.setTimeout(180_000);

describeUi('the wizard for every kind it could not finish, and the rules it now keeps', () => {
  let preview: Preview;
  let provider: SandboxDc;
  /** The same server, serving a Jira 11.1 manifest from item 5 on (one server less to start). */
  let oldJira: SandboxDc;
  let dataDir: string;
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  let context: BrowserContext;
  let page: Page;
  let app: FrameLocator;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = mkdtempSync(path.join(tmpdir(), 'applinks-preview-'));
    preview = await startPreview({ dataDir, port: 0, logLevel: 'error' });
    const callback = `${preview.connectorUrl}/oauth/callback`;
    [provider, browser] = await Promise.all([
      // An OAuth 2.0 server that is no Atlassian application (no applinks manifest), publishing its metadata.
      startSandboxDc({ scopes: ['READ', 'WRITE'], clients: { custom: { authMethod: 'client_secret_basic', grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [callback] } }, settings: { manifest: null } }),
      launchBrowser(),
    ]);
    oldJira = provider;
    context = browser!.context;
    page = await context.newPage();
    await page.goto(`${preview.url}/`);
    app = page.frameLocator('#forge-app');
  });
  afterAll(async () => {
    await browser?.close();
    await provider?.stop();
    await preview?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const linkIn = async (id: string): Promise<LinkView> => (await connectorGet(preview, `/v1/links/${id}`)).body as LinkView;
  const startWizard = async (url: string) => {
    await app.getByRole('button', { name: 'Application links', exact: true }).click();
    await app.getByRole('button', { name: 'Create link' }).click();
    await app.getByLabel('Application URL').fill(url);
    await app.getByRole('button', { name: 'Next' }).click();
    await app.getByRole('heading', { name: /What is at/ }).waitFor();
  };
  const linkNamed = async (name: string): Promise<LinkView> => {
    const answer = await preview.invoke<{ items: { id: string; name: string }[] }>('listLinks', { limit: 100 });
    if (!answer.success) throw new Error(JSON.stringify(answer));
    return linkIn(answer.data!.items.find((item) => item.name === name)!.id);
  };
  const linkIdOnPage = async (): Promise<string> => (await page.evaluate(() => (document.querySelector('#forge-app') as HTMLIFrameElement).contentWindow!.location.hash)).split('/').pop()!;

  it('item 1: a custom provider is found by its metadata, created with Basic auth, PKCE and an extra parameter, authorized, tested and edited', async () => {
    const client = provider.clients.custom!;
    await startWizard(provider.baseUrl);
    // The probe found no Atlassian application but an OAuth 2.0 server: custom is chosen, its endpoints filled.
    await app.getByText('Found an OAuth 2.0 authorization server').waitFor();
    expect(await app.getByRole('radio', { name: 'Custom OAuth 2.0 provider', exact: true }).isChecked()).toBe(true);
    expect(await app.getByLabel('Authorization endpoint').inputValue()).toBe(provider.authorizationEndpoint);
    expect(await app.getByLabel('Token endpoint').inputValue()).toBe(provider.tokenEndpoint);
    await app.getByLabel('API probe URL (optional)').fill('');
    await app.getByLabel('Client authentication').selectOption('basic');
    expect(await app.getByLabel('Use PKCE (S256)').isChecked()).toBe(true);
    await app.getByRole('button', { name: 'Add a parameter' }).click();
    await app.getByLabel('Parameter 1 name').fill('audience');
    await app.getByLabel('Parameter 1 value').fill('https://api.example.test');
    await app.getByLabel('Link name').fill('Custom provider');
    await shot(page, '60-custom-provider-endpoints');
    await app.getByRole('button', { name: 'Next' }).click();
    await app.getByRole('heading', { name: 'Review' }).waitFor();
    expect(await app.locator('dl.meta').textContent()).toContain(provider.tokenEndpoint);
    await app.getByRole('button', { name: 'Create link' }).click();

    // Outgoing: free-form scopes with the client ID and secret.
    await app.getByRole('heading', { name: /Outgoing: credentials Custom OAuth 2.0 provider issues/ }).waitFor();
    await app.getByLabel('Client ID').fill(client.clientId);
    await app.getByLabel('Client secret').fill(client.clientSecret);
    await app.getByLabel('Scopes', { exact: true }).fill('READ WRITE');
    await app.getByRole('button', { name: 'Save and continue' }).click();

    const popupEvent = context.waitForEvent('page');
    await app.getByRole('button', { name: 'Authorize with Custom OAuth 2.0 provider' }).click();
    const popup = await popupEvent;
    // The URL the page opened, as it offers it in case the window did not open.
    const authorizationUrl = new URL((await app.getByTestId('authorization-url').getAttribute('href'))!);
    expect(authorizationUrl.searchParams.get('audience')).toBe('https://api.example.test');
    expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizationUrl.searchParams.get('scope')).toBe('READ WRITE');
    await popup.waitForLoadState();
    await signInAtSandbox(popup, preview.connectorUrl);
    expect(await popup.textContent('body')).toMatch(/authori[sz]ed/i);
    await popup.close();
    // The code was redeemed with the secret in an HTTP Basic header.
    expect(await provider.lastTokenRequest()).toMatchObject({ grantType: 'authorization_code', authorizationScheme: 'Basic' });

    await app.getByRole('button', { name: 'Next: test' }).click();
    await app.getByRole('button', { name: 'Test connection' }).click();
    await app.locator('[data-testid="test-result"][data-ok="true"]').waitFor();

    // The link's page shows the endpoints and settings, and edits them.
    await app.getByRole('button', { name: "Open the link's page" }).click();
    const panel = app.getByTestId('provider-panel');
    await panel.waitFor();
    const shown = await panel.textContent();
    expect(shown).toContain(provider.tokenEndpoint);
    expect(shown).toContain('HTTP Basic');
    expect(shown).toContain('audience=https://api.example.test');
    await panel.getByRole('button', { name: 'Edit endpoints and settings' }).click();
    const dialog = app.getByRole('dialog');
    // The provider's metadata can be read again from here.
    await dialog.getByLabel('Authorization endpoint').fill('https://stale.example.test/authorize');
    await dialog.getByRole('button', { name: "Fill from the provider's metadata" }).click();
    await dialog.getByText("Filled from the provider's published metadata").waitFor();
    expect(await dialog.getByLabel('Authorization endpoint').inputValue()).toBe(provider.authorizationEndpoint);
    await dialog.getByLabel('Use PKCE (S256)').uncheck();
    await dialog.getByLabel('Parameter 1 value').fill('https://other.example.test');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await panel.getByText('Off', { exact: true }).waitFor();
    await shot(page, '61-custom-provider-page');
    const stored = await linkIn(await linkIdOnPage());
    expect(stored.outgoing).toMatchObject({ clientAuth: 'basic', pkce: false, authorizeParams: { audience: 'https://other.example.test' }, scopes: ['READ', 'WRITE'] });
  });

  it('item 2: Entra asks the tenant and the secret expiry and warns about a secret ID; Google warns about a private redirect URL', async () => {
    await startWizard('http://127.0.0.1:9/');
    await app.getByRole('radio', { name: 'Microsoft Entra ID' }).check();
    await app.getByLabel('Directory (tenant) ID or domain').fill('contoso.onmicrosoft.com');
    await app.getByLabel('Link name').fill('Entra');
    await app.getByRole('button', { name: 'Next' }).click();
    expect(await app.locator('dl.meta').textContent()).toContain('contoso.onmicrosoft.com');
    await app.getByRole('button', { name: 'Create link' }).click();
    await app.getByLabel('Client ID').fill('11111111-2222-3333-4444-555555555555');
    await app.getByLabel('Client secret').fill('8d3e1f20-6c4b-4a7e-9f0a-1b2c3d4e5f60');
    await app.getByText("This looks like the secret's ID, not its value").waitFor();
    await shot(page, '62-entra-secret-id');
    await app.getByLabel('Client secret').fill('Qx8~secret.value_from-the-portal0123');
    expect(await app.getByText("This looks like the secret's ID, not its value").count()).toBe(0);
    await app.getByLabel('Secret expires on').fill('2027-06-30');
    await app.getByRole('button', { name: 'Save and continue' }).click();
    await app.getByRole('heading', { name: 'Authorize the link' }).waitFor();
    const entra = await linkNamed('Entra');
    expect(entra.outgoing).toMatchObject({ tenant: 'contoso.onmicrosoft.com', secretExpiresAt: '2027-06-30' });
    expect(entra.outgoing.authorizationEndpoint).toBe('https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize');

    await startWizard('http://127.0.0.1:9/');
    await app.getByRole('radio', { name: 'Google' }).check();
    await app.getByRole('button', { name: 'Next' }).click();
    await app.getByRole('button', { name: 'Create link' }).click();
    // The preview's connector answers on 127.0.0.1, which Google refuses as a redirect URI.
    await app.getByText('Google will refuse this redirect URL').waitFor();
  });

  it('items 5, 6 and 7: version rules, a second link to the same URL, relocation to a differing display URL, and why External application', async () => {
    // A Jira whose version the probe cannot read: OAuth 2.0 may be chosen, and the review warns.
    await startWizard('http://127.0.0.1:9/jira');
    await app.getByRole('radio', { name: 'Jira Data Center' }).check();
    await app.getByLabel('Link name').fill('Unverified Jira');
    await app.getByRole('button', { name: 'Next' }).click();
    await app.getByText('The version is not confirmed').waitFor();
    await app.getByRole('button', { name: 'Create link' }).click();
    // Item 7: the Data Center instruction keeps "External application" and says why.
    await app.getByRole('heading', { name: /Incoming: credentials this site issues/ }).waitFor();
    await app.getByRole('button', { name: 'Application links', exact: true }).click();
    await app.getByRole('button', { name: 'Unverified Jira' }).click();
    const remoteColumn = app.getByRole('region', { name: /The remote/ });
    expect(await remoteColumn.textContent()).toContain('only an external-application link accepts its redirect URI');

    // Jira 11.1: OAuth 2.0 cannot be chosen; the link is outgoing only and its test passes.
    await oldJira.configure({ manifest: { kind: 'jira', version: '11.1.0' } });
    await startWizard(oldJira.baseUrl);
    await app.getByRole('radio', { name: /^OAuth 2.0 Requests act as the one account/ }).waitFor();
    expect(await app.getByRole('radio', { name: /^OAuth 2.0 Requests act as the one account/ }).isDisabled()).toBe(true);
    expect(await app.getByRole('radio', { name: /None \(outgoing only\)/ }).isChecked()).toBe(true);
    await app.getByLabel('Link name').fill('Old Jira');
    await app.getByRole('button', { name: 'Next' }).click();
    await app.getByText('has no OAuth 2.0 application links (11.2 or later)').waitFor();
    await app.getByRole('button', { name: 'Create link' }).click();
    await app.getByRole('button', { name: 'Test connection' }).click();
    await app.locator('[data-testid="test-result"][data-ok="true"]').waitFor();
    expect(await app.locator('tr[data-stage="version"]').textContent()).toContain('for information');
    await shot(page, '63-outgoing-only-old-version');

    // A second link to the same URL: warned, with the existing link offered.
    await startWizard(`${oldJira.baseUrl}/`);
    const duplicate = app.getByTestId('duplicate-link');
    await duplicate.waitFor();
    await shot(page, '64-duplicate-link');
    await duplicate.getByRole('button', { name: 'Open Old Jira' }).click();
    await app.getByRole('heading', { name: /Old Jira/ }).first().waitFor();
    const oldJiraId = await linkIdOnPage();
    // Nor can OAuth 2.0 be turned on later, from the Edit dialog.
    await app.getByRole('button', { name: 'Edit', exact: true }).click();
    await app.getByRole('dialog').getByLabel('Authentication').selectOption('oauth2');
    await app.getByRole('dialog').getByText('OAuth 2.0 is not available at this version').waitFor();
    expect(await app.getByRole('dialog').getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);
    await app.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

    // The remote moved, and at the new address calls itself by its public name: say which one users reach.
    await oldJira.configure({ manifest: { kind: 'jira', version: '11.1.0', displayUrl: 'https://jira.example.test' } });
    await app.getByRole('button', { name: 'Relocate', exact: true }).click();
    const dialog = app.getByRole('dialog');
    await dialog.getByLabel('New application URL').fill(`${oldJira.baseUrl}/`);
    await dialog.getByRole('button', { name: 'Relocate', exact: true }).click();
    const confirm = dialog.getByTestId('display-url-confirm');
    await confirm.waitFor();
    expect(await dialog.getByRole('button', { name: 'Relocate', exact: true }).isDisabled()).toBe(true);
    await confirm.getByLabel(/the address typed above/).check();
    await confirm.getByText("The remote's base URL needs fixing first").waitFor();
    await confirm.getByLabel(/the remote's own URL/).check();
    await shot(page, '65-relocate-display-url');
    await dialog.getByRole('button', { name: 'Relocate', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect((await linkIn(oldJiraId)).displayUrl).toBe('https://jira.example.test');
  });
});
