/// <reference lib="dom" />
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { startPreview, type Preview } from '../../preview/server';
import { ARTIFACTS, describeWithBrowser, launchBrowser, shot } from '../helpers/browser';
import { startSandboxDc, type SandboxDc } from '../helpers/sandbox-dc';
import { signInAtSandbox } from '../helpers/sandbox-sign-in';
import { connectedAccountsWalk } from './connected-accounts-walk';

/**
 * The whole wizard in Chromium against the sandbox Data Center (applinks manifest, OAuth 2.0
 * provider, one protected API): create, exchange credentials, authorize in the sandbox's sign-in
 * page, and a green test; then a wrong secret, which the test reports as INVALID_CLIENT with its hint.
 */

const describeUi = describeWithBrowser('test/ui/sandbox-walk', { needsBuild: true });

jest.setTimeout(180_000);

describeUi('the wizard against the sandbox Data Center', () => {
  let preview: Preview;
  let dc: SandboxDc;
  let dataDir: string;
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  let context: BrowserContext;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = mkdtempSync(path.join(tmpdir(), 'applinks-preview-'));
    preview = await startPreview({ dataDir, port: 0, logLevel: 'error' });
    dc = await startSandboxDc({
      scopes: ['READ', 'WRITE', 'ADMIN', 'SYSTEM_ADMIN'],
      clients: {
        cloud: { authMethod: 'client_secret_post', grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [`${preview.connectorUrl}/oauth/callback`] },
      },
      settings: { manifest: { kind: 'jira', version: '11.2.0' } },
    });
    browser = await launchBrowser();
    context = browser.context;
  });
  afterAll(async () => {
    await browser?.close();
    await dc?.stop();
    await preview?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates, authorizes and tests a link to a green result, then shows INVALID_CLIENT for a wrong secret', async () => {
    const client = dc.clients.cloud!;
    const page = await context.newPage();
    await page.goto(`${preview.url}/`);
    const app = page.frameLocator('#forge-app');

    await app.getByRole('button', { name: 'Create link' }).click();
    await app.getByLabel('Application URL').fill(dc.baseUrl);
    await app.getByRole('button', { name: 'Next' }).click();
    // The probe found the sandbox's manifest: Jira 11.2.0, which supports OAuth 2.0; the type is preselected.
    const probe = app.getByTestId('probe-result');
    await probe.waitFor();
    expect(await probe.getAttribute('data-code')).toBe('OK');
    expect(await probe.textContent()).toContain('It supports OAuth 2.0 application links');
    expect(await app.getByRole('radio', { name: 'Jira Data Center' }).isChecked()).toBe(true);
    await shot(page, '19-sandbox-probe');
    await app.getByLabel('Link name').fill('Sandbox Jira');
    await app.getByRole('button', { name: 'Next' }).click();
    await app.getByRole('button', { name: 'Create link' }).click();

    await app.getByRole('button', { name: 'Issue client ID and secret' }).click();
    await app.getByRole('button', { name: 'Next' }).click();

    await app.getByRole('heading', { name: /Outgoing: credentials/ }).waitFor();
    await app.getByLabel('Client ID').fill(client.clientId);
    await app.getByLabel('Client secret').fill(client.clientSecret);
    await app.getByRole('button', { name: 'Save and continue' }).click();

    // Authorize: the sandbox's sign-in and consent pages, in the window the page opened.
    const popupEvent = context.waitForEvent('page');
    await app.getByRole('button', { name: 'Authorize with Jira Data Center' }).click();
    const popup = await popupEvent;
    await popup.waitForLoadState();
    await shot(popup, '20-sandbox-sign-in');
    await signInAtSandbox(popup, preview.connectorUrl);
    await shot(popup, '21-connector-callback');
    expect(await popup.textContent('body')).toMatch(/authori[sz]ed/i);
    await popup.close();

    await app.getByRole('button', { name: 'Next: test' }).click();
    await app.getByRole('button', { name: 'Test connection' }).click();
    const result = app.getByTestId('test-result');
    await result.waitFor();
    await shot(page, '22-sandbox-test-green');
    expect(await result.getAttribute('data-ok')).toBe('true');

    // A wrong secret: the test says INVALID_CLIENT, with its hint.
    await app.getByRole('button', { name: "Open the link's page" }).click();
    await app.getByRole('heading', { name: /This site/ }).waitFor();
    expect(await app.locator('h1 [data-status]').getAttribute('data-status')).toBe('connected');
    // The connector's token, as the link page and the list show it: valid, with its expiry.
    const credential = app.getByTestId('credential').locator('[data-credential]');
    expect(await credential.getAttribute('data-credential')).toBe('valid');
    expect(await credential.textContent()).toMatch(/^Valid until /);
    await shot(page, '22b-sandbox-link-page-connected');
    await app.getByRole('button', { name: '← Application links' }).click();
    const listed = app.locator('tr[data-link-id] [data-credential]').first();
    await listed.waitFor();
    expect(await listed.getAttribute('data-credential')).toBe('valid');
    await shot(page, '22c-sandbox-list-token-expiry');
    await app.locator('tr[data-link-id] button.btn.link').first().click();
    await app.getByRole('heading', { name: /This site/ }).waitFor();
    await app.getByRole('button', { name: 'Edit' }).click();
    await app.getByLabel('New outgoing client secret').fill('not-the-secret-the-sandbox-issued');
    await app.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await app.getByRole('button', { name: 'Test connection' }).click();
    const failing = app.locator('[data-testid="test-result"][data-ok="false"]');
    await failing.waitFor();
    const row = app.locator('tr[data-code="INVALID_CLIENT"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('copy both again');
    await row.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, '23-sandbox-invalid-client.png') });
  });

  it('three users connect three remote accounts on a per-user link; each token is its own user on the remote; the admin disconnects one', async () => {
    await connectedAccountsWalk({ preview, dc, context, dataDir });
  });
});
