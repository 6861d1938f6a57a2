/// <reference lib="dom" />
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import type { LinkPage } from '../../contract';
import { startPreview, type Preview } from '../../preview/server';
import { ARTIFACTS, describeWithBrowser, launchBrowser, shot } from '../helpers/browser';
import { connectorGet, resolve } from '../helpers/preview-link';
import { startSandboxDc, type BitbucketCloudStandIn, type SandboxDc } from '../helpers/sandbox-dc';

/**
 * Issue 14, items 3 and 4, walked in Chromium through the preview: a Bitbucket Cloud consumer
 * (workspace, Connect at once, each missing permission named, a consumer without a callback URL
 * flagged, the OAuth 1.0 migration page verifying its steps) against the sandbox's Bitbucket Cloud
 * stand-in; and a Jira Data Center service account (offered only on a version that has them,
 * connected at once, its credential's expiry kept) against the sandbox Data Center.
 */

const describeUi = describeWithBrowser('test/ui/client-credentials-walk', { needsBuild: true });

jest.setTimeout(180_000);

type Consumer = BitbucketCloudStandIn['consumers'][number];
const consumer: Consumer = { key: 'dvcs-consumer', secret: 'dvcs-consumer-secret-7Qm2xv9LpT', callbackUrl: 'http://localhost', private: true, permissions: ['account:write', 'repository:admin', 'pullrequest'] };
const standIn = (changes: Partial<Consumer>): BitbucketCloudStandIn => ({
  user: { username: 'dvcs-owner' },
  workspaces: { acme: { role: 'owner', repositories: ['web'] } },
  consumers: [{ ...consumer, ...changes }],
});

describeUi('client-credentials kinds in the admin page', () => {
  let preview: Preview;
  let bitbucket: SandboxDc;
  let dc: SandboxDc;
  let dataDir: string;
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  let context: BrowserContext;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = mkdtempSync(path.join(tmpdir(), 'applinks-preview-'));
    [preview, bitbucket, dc, browser] = await Promise.all([
      startPreview({ dataDir, port: 0, logLevel: 'error' }),
      // Bitbucket Cloud serves no applinks manifest: the stand-in's base answers none.
      startSandboxDc({ clients: {}, settings: { manifest: null, bitbucketCloud: standIn({ callbackUrl: null }) } }),
      startSandboxDc({ scopes: ['READ', 'WRITE', 'ADMIN', 'SYSTEM_ADMIN'], clients: {}, settings: { manifest: { kind: 'jira', version: '11.2.0' } } }),
      launchBrowser(),
    ]);
    context = browser.context;
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([dc?.stop(), bitbucket?.stop()]);
    await preview?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const linkIdNamed = async (name: string): Promise<string> => {
    const page = await resolve<LinkPage>(preview, 'listLinks', {});
    const found = page.items.find((item) => item.name === name);
    if (found === undefined) throw new Error(`no link named ${name}`);
    return found.id;
  };

  it('Bitbucket Cloud: workspace, Connect, missing permissions named, no callback URL flagged, the OAuth 1.0 migration verified', async () => {
    const page = await context.newPage();
    await page.goto(`${preview.url}/`);
    const app = page.frameLocator('#forge-app');

    await app.getByRole('button', { name: 'Create link' }).click();
    await app.getByLabel('Application URL').fill(bitbucket.baseUrl);
    await app.getByRole('button', { name: 'Next' }).click();
    await app.getByTestId('probe-result').waitFor();
    await app.getByRole('radio', { name: 'Bitbucket Cloud' }).check();
    await app.getByLabel('Link name').fill('Bitbucket Cloud (DVCS)');
    await app.getByRole('button', { name: 'Next' }).click();
    await app.getByRole('button', { name: 'Create link' }).click();

    // No incoming step (Bitbucket Cloud calls nothing back), and a workspace field on the outgoing one.
    await app.getByLabel('Client ID').fill(consumer.key);
    await app.getByLabel('Client secret').fill(consumer.secret);
    await app.getByLabel('Workspace ID').fill('acme');
    expect(await app.getByText('The consumer needs a callback URL').isVisible()).toBe(true);
    await app.getByRole('button', { name: 'Save and continue' }).click();

    // Connect: the token at once, no sign-in window; first refused, as Bitbucket refuses a consumer without a callback URL.
    await app.getByRole('button', { name: 'Connect to Bitbucket Cloud' }).click();
    await app.getByText('Add a callback URL to the consumer', { exact: true }).waitFor();
    expect(await app.locator('tr[data-stage="credentials"]').getAttribute('data-code')).toBe('INVALID_CLIENT');
    await bitbucket.configure({ bitbucketCloud: standIn({}) });
    await app.getByRole('button', { name: 'Connect to Bitbucket Cloud' }).click();
    await app.getByText('The connector holds a token from Bitbucket Cloud.').waitFor();
    await app.getByRole('button', { name: 'Next: test' }).click();
    await app.getByRole('button', { name: 'Test connection' }).click();
    // (The refused Connect's diagnosis is the last test until this one replaces it.)
    const api = app.locator('[data-testid="test-result"] tr[data-stage="api"][data-code="BITBUCKET_PERMISSIONS_MISSING"]');
    await api.waitFor();
    expect(await api.textContent()).toContain('Webhooks: Read and write (webhook)');
    await shot(page, '41-bitbucket-cloud-permission-missing');

    // The admin adds the permission in Bitbucket; on the link page, Connect gets a token that carries it.
    await bitbucket.configure({ bitbucketCloud: standIn({ permissions: [...consumer.permissions, 'webhook'] }) });
    await app.getByRole('button', { name: "Open the link's page" }).click();
    expect(await app.getByTestId('bitbucket-cloud').getByLabel('Workspace ID').inputValue()).toBe('acme');
    await app.getByRole('button', { name: 'Connect', exact: true }).click();
    await app.getByText('The connector obtained a new token from Bitbucket Cloud (client credentials).').waitFor();

    // The OAuth 1.0 migration page: the seed's steps, each verified where this site can see it. A
    // consumer without a callback URL (as an OAuth 1.0 consumer is) is flagged by the test it runs.
    await bitbucket.configure({ bitbucketCloud: standIn({ permissions: [...consumer.permissions, 'webhook'], callbackUrl: null }) });
    await app.getByRole('button', { name: 'OAuth 1.0 migration' }).click();
    await app.getByRole('heading', { name: /from OAuth 1\.0 to OAuth 2\.0/ }).waitFor();
    const step = (id: string) => app.locator(`li[data-step="${id}"]`);
    expect(await app.locator('li[data-step]').evaluateAll((items) => items.map((i) => i.getAttribute('data-step')))).toEqual([
      'callback-url',
      'private-consumer',
      'permissions',
      'delete-oauth1',
      'link-oauth2',
    ]);
    // Until verified again, the page shows what the last test proved: the webhook permission was missing.
    expect(await step('callback-url').getAttribute('data-state')).toBe('verified');
    expect(await step('permissions').getAttribute('data-state')).toBe('failing');
    expect(await step('delete-oauth1').getAttribute('data-state')).toBe('not-visible');
    await app.getByRole('button', { name: 'Verify' }).click();
    await app.locator('li[data-step="callback-url"][data-state="failing"]').waitFor();
    expect(await step('callback-url').textContent()).toContain('no callback URL');
    expect(await step('permissions').getAttribute('data-state')).toBe('unchecked');
    await shot(page, '42-bitbucket-oauth1-migration-failing');
    await bitbucket.configure({ bitbucketCloud: standIn({ permissions: [...consumer.permissions, 'webhook'] }) });
    await app.getByRole('button', { name: 'Verify' }).click();
    await app.locator('li[data-step="permissions"][data-state="verified"]').waitFor();
    for (const id of ['callback-url', 'private-consumer']) expect(await step(id).getAttribute('data-state')).toBe('verified');
    // The token from the link page's Connect carries the webhook permission.
    expect(await step('permissions').textContent()).toContain('membership of acme (owner)');
    expect(await step('link-oauth2').getAttribute('data-state')).toBe('not-visible');

    const onConnector = await connectorGet(preview, `/v1/links/${await linkIdNamed('Bitbucket Cloud (DVCS)')}`);
    expect(onConnector.body).toMatchObject({ outgoing: { workspace: 'acme', grantType: 'client_credentials', tokenEndpoint: `${bitbucket.baseUrl}/site/oauth2/access_token` } });
    expect(JSON.stringify(onConnector.body)).not.toContain(consumer.secret);
    await page.close();
  });

  it('Data Center service account: offered from the version that has them, connected at once, its expiry kept', async () => {
    const page = await context.newPage();
    await page.goto(`${preview.url}/`);
    const app = page.frameLocator('#forge-app');

    // Jira 11.2: no service accounts, so the choice is there but cannot be made.
    await app.getByRole('button', { name: 'Create link' }).click();
    await app.getByLabel('Application URL').fill(dc.baseUrl);
    await app.getByRole('button', { name: 'Next' }).click();
    const serviceAccount = app.getByRole('radio', { name: /Service account/ });
    await serviceAccount.waitFor();
    expect(await serviceAccount.isDisabled()).toBe(true);
    expect(await app.getByTestId('service-account-choice').textContent()).toContain('Needs version 11.3 or later; this one is 11.2.0');

    // Upgraded to 11.3: the sandbox issues a service account (as Jira's administration would), and the wizard offers it.
    await dc.configure({ manifest: { kind: 'jira', version: '11.3.0' } });
    const issued = await fetch(`${dc.baseUrl}/rest/sandbox/service-accounts`, { method: 'POST', body: JSON.stringify({ scopes: ['READ'], expiresAt: '2031-06-30' }) });
    const account = (await issued.json()) as { clientId: string; clientSecret: string };
    await app.getByRole('button', { name: 'Back' }).click();
    await app.getByRole('button', { name: 'Next' }).click();
    await app.locator('[data-testid="probe-result"]').waitFor();
    await serviceAccount.check();
    await app.getByLabel('Link name').fill('Jira service account');
    await app.getByRole('button', { name: 'Next' }).click();
    await app.getByRole('button', { name: 'Create link' }).click();
    await app.getByRole('button', { name: 'Issue client ID and secret' }).click();
    await app.getByRole('button', { name: 'Next' }).click();

    // The issued-values step has "Incoming client ID" controls too: wait until the outgoing step shows.
    await app.getByRole('heading', { name: /Outgoing: credentials/ }).waitFor();
    await app.getByLabel('Client ID').fill(account.clientId);
    await app.getByLabel('Client secret').fill(account.clientSecret);
    await app.getByLabel('Credential expires on (optional)').fill('2031-06-30');
    // A Jira service account holds READ and WRITE only: the other scopes are not offered.
    expect(await app.locator('fieldset:has(legend:text("Scopes to request")) code').allTextContents()).toEqual(['READ', 'WRITE']);
    await app.getByRole('button', { name: 'Save and continue' }).click();
    await app.getByRole('button', { name: 'Connect to Jira Data Center' }).click();
    await app.getByText('The connector holds a token from Jira Data Center.').waitFor();
    await app.getByRole('button', { name: 'Next: test' }).click();
    await app.getByRole('button', { name: 'Test connection' }).click();
    await app.locator('[data-testid="test-result"][data-ok="true"]').waitFor();
    await shot(page, '45-service-account-test-green');

    // The link page shows the credential's expiry and takes a new one (a renewed credential).
    await app.getByRole('button', { name: "Open the link's page" }).click();
    const panel = app.getByTestId('service-account');
    expect(await panel.textContent()).toContain('Its credential expires on 2031-06-30.');
    await panel.getByLabel('Credential expires on').fill('2032-01-31');
    await panel.getByRole('button', { name: 'Save expiry date' }).click();
    await panel.getByText('Its credential expires on 2032-01-31.').waitFor();

    const onConnector = await connectorGet(preview, `/v1/links/${await linkIdNamed('Jira service account')}`);
    expect(onConnector.body).toMatchObject({
      status: 'connected',
      outgoing: { grantType: 'client_credentials', secretExpiresAt: '2032-01-31' },
      credential: { state: 'valid', hasRefreshToken: false },
    });
    expect(JSON.stringify(onConnector.body)).not.toContain(account.clientSecret);
    await page.close();
  });
});
