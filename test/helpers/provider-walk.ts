/// <reference lib="dom" />
import type { BrowserContext, FrameLocator, Page } from 'playwright-core';
import type { ForgeLinkView, IssuedIncomingCredentials } from '../../contract';
import type { Preview } from '../../preview/server';
import { APP_ACCOUNT } from '../../preview/jira-stand-in';
import { shot } from './browser';
import { resolve } from './preview-link';
import type { SandboxDc } from './sandbox-dc';

/**
 * Issue 12 end to end, in Chromium: the sandbox Data Center's outgoing link completed against this
 * site as a Data Center admin does it (client ID, secret and endpoints copied from the link's page,
 * Connect, consent on the cloud side as an ordinary user, back), then Jira read and written through
 * the gateway, an admin call refused with insufficient_scope, and a re-issued secret refusing the
 * sandbox's next refresh; the link's page shows what the remote did.
 *
 * A walk, not a test file of its own: it runs in `test/ui/link-maintenance.test.ts`, reusing that
 * file's preview, sandbox Data Center and browser (their start-up is most of a browser test's time).
 */
export async function walkDataCenterOutgoingLink({ preview, dc, context }: { preview: Preview; dc: SandboxDc; context: BrowserContext }): Promise<void> {
  const linkPage = async (name: string): Promise<{ page: Page; app: FrameLocator }> => {
    const page = await context.newPage();
    await page.goto(`${preview.url}/`);
    const app = page.frameLocator('#forge-app');
    await app.getByRole('button', { name, exact: true }).click();
    await app.getByRole('heading', { name: /This site/ }).waitFor();
    return { page, app };
  };
  const copied = async (app: FrameLocator, label: string) => (await app.locator(`[data-copy="${label}"] code`).textContent()) ?? '';

  const created = await resolve<ForgeLinkView>(preview, 'createLink', { name: 'Jira DC (calls the cloud)', remoteKind: 'jira', applicationUrl: dc.baseUrl, authKind: 'oauth2' });
  const issued = await resolve<IssuedIncomingCredentials>(preview, 'issueIncomingCredentials', { id: created.id, scopes: ['WRITE'] });

  // The cloud admin's page: every endpoint on the incoming step; nothing seen from the remote yet.
  const admin = await linkPage('Jira DC (calls the cloud)');
  const endpoints = {
    authorize: await copied(admin.app, 'Authorization endpoint URL'),
    token: await copied(admin.app, 'Token endpoint URL'),
    gateway: await copied(admin.app, 'Jira REST gateway URL'),
    metadata: await copied(admin.app, 'Metadata URL'),
  };
  expect(await (await fetch(endpoints.metadata)).json()).toMatchObject({ authorization_endpoint: endpoints.authorize, token_endpoint: endpoints.token });
  expect(await admin.app.locator('[data-value="remote-activity"]').getAttribute('data-status')).toBe('pending');

  // The Data Center admin fills in the outgoing link (seed 003's custom provider form).
  const remote = await context.newPage();
  await remote.goto(`${dc.baseUrl}/plugins/servlet/applinks/outgoing`);
  const redirectUrl = (await remote.locator('[data-value="redirect-url"]').textContent()) ?? '';
  await remote.getByLabel('Client ID').fill(issued.incoming.clientId);
  await remote.getByLabel('Client secret').fill(issued.clientSecret);
  await remote.getByLabel('Authorization endpoint').fill(endpoints.authorize);
  await remote.getByLabel('Token endpoint').fill(endpoints.token);
  await remote.getByLabel('Scopes').fill('WRITE');
  await remote.getByLabel('Jira REST gateway URL').fill(endpoints.gateway);
  await remote.getByRole('button', { name: 'Save' }).click();

  // Connect before the redirect URI is registered: the cloud side refuses with a page that says where to fix it.
  await remote.getByRole('button', { name: 'Connect' }).click();
  await remote.getByText(/replace it on the link's page/).waitFor();

  // The cloud admin pastes the Redirect URL the outgoing link shows.
  await admin.app.getByLabel(/Redirect URI shown by/).fill(redirectUrl);
  await admin.app.getByRole('button', { name: 'Save redirect URI' }).click();
  await admin.app.locator('[data-value="remote-redirect-uri"] .lozenge.success').waitFor();

  // Connect again: to the consent page, signed in as Alice (an ordinary user), told calls act as the app.
  await remote.goto(`${dc.baseUrl}/plugins/servlet/applinks/outgoing`);
  await remote.getByRole('button', { name: 'Connect' }).click();
  await remote.waitForURL((url) => url.searchParams.get('module') === 'applinks-consent');
  await remote.getByRole('link', { name: 'Alice Example' }).click();
  const consent = remote.frameLocator('#forge-app');
  await consent.getByText('Its calls act as the app, not as you').waitFor();
  expect(await consent.getByRole('list', { name: 'Requested scopes' }).textContent()).toContain('WRITE');
  await shot(remote, '40-consent');
  await consent.getByRole('button', { name: 'Approve' }).click();
  const [back] = await Promise.all([context.waitForEvent('page'), consent.getByRole('link', { name: 'Return to the remote application' }).click()]);
  await back.locator('[data-result="connect"][data-ok="true"]').waitFor();
  expect(await back.locator('[data-value="status"]').textContent()).toBe('Connected');

  // Through the gateway: read myself (the app's account), create an issue, and an admin call refused.
  const call = async (method: string, jiraPath: string, body = '') => {
    await back.getByLabel('Method').selectOption(method);
    await back.getByLabel('Path').fill(jiraPath);
    await back.getByLabel('Body').fill(body);
    await back.getByRole('button', { name: 'Call' }).click();
    await back.waitForLoadState();
    return back.locator('[data-result="call"]');
  };
  const myself = await call('GET', '/rest/api/3/myself');
  expect(await myself.getAttribute('data-status')).toBe('200');
  expect(await myself.textContent()).toContain(APP_ACCOUNT.displayName);
  const created1 = await call('POST', '/rest/api/3/issue', JSON.stringify({ fields: { project: { key: 'DEMO' }, summary: 'Filed from Data Center', issuetype: { name: 'Task' } } }));
  expect(await created1.getAttribute('data-status')).toBe('201');
  expect(await created1.textContent()).toContain('DEMO-1');
  const refused = await call('GET', '/rest/api/3/application-properties');
  expect(await refused.getAttribute('data-status')).toBe('403');
  expect(await refused.textContent()).toContain('insufficient_scope');

  // The cloud admin sees the other side: a token with the current secret, the last call and its result.
  await admin.page.reload();
  await admin.app.getByRole('button', { name: 'Jira DC (calls the cloud)', exact: true }).click();
  await admin.app.locator('[data-value="remote-activity"][data-status="done"]').waitFor();
  expect(await admin.app.locator('[data-value="remote-activity"]').textContent()).toMatch(/GET \/rest\/api\/3\/application-properties \(needs ADMIN\) answered 403 \(insufficient scope\)/);
  expect(await admin.app.locator('[data-value="remote-outgoing-seen"]').getAttribute('data-status')).toBe('done');

  // A new secret: the sandbox's next refresh is refused, and the page no longer shows it working.
  await admin.app.getByRole('button', { name: 'Issue a new secret' }).click();
  await admin.app.getByRole('dialog').getByRole('button', { name: /Issue/ }).first().click();
  await admin.app.getByText('New client secret: copy it now').waitFor();
  await back.getByRole('button', { name: 'Refresh token now' }).click();
  await back.locator('[data-result="refresh"][data-ok="false"]').waitFor();
  expect(await back.locator('[data-result="refresh"]').textContent()).toContain('invalid_client');
  expect(await admin.app.locator('[data-value="remote-outgoing-seen"]').getAttribute('data-status')).toBe('pending');
  await admin.page.close();
  await back.close();
  await remote.close();
}
