/// <reference lib="dom" />
import * as path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import type { ForgeLinkView } from '../../contract';
import { ConsumerService } from '../../connector/src/consumers/service';
import { createStore } from '../../connector/src/storage';
import type { Preview } from '../../preview/server';
import { PREVIEW_USERS } from '../../preview/users';
import { shot } from '../helpers/browser';
import { resolve } from '../helpers/preview-link';
import type { SandboxDc } from '../helpers/sandbox-dc';
import { signInAtSandbox } from '../helpers/sandbox-sign-in';

/**
 * Per-user links in Chromium: three preview users each open "Connected accounts", connect a
 * different sandbox Data Center account in the new tab, and a DC-side consumer reading each
 * user's token gets that user's identity from the remote, and only theirs. Then the admin sees
 * the three on the link page and disconnects one, whose page then says so. Run by
 * sandbox-walk.test.ts on its preview, sandbox and browser (one start-up for both walks).
 */
export async function connectedAccountsWalk({ preview, dc, context, dataDir }: { preview: Preview; dc: SandboxDc; context: BrowserContext; dataDir: string }): Promise<void> {
  const users = PREVIEW_USERS.filter((user) => !user.admin);
  const client = dc.clients.cloud!;
  const link = await resolve<ForgeLinkView>(preview, 'createLink', { name: 'Jira as you', remoteKind: 'jira', applicationUrl: dc.baseUrl, authKind: 'oauth2-impersonation' });
  await resolve(preview, 'updateLink', { id: link.id, changes: { outgoing: { clientId: client.clientId, clientSecret: client.clientSecret } } });

  // An ordinary user cannot use the admin resolvers, and the users' page needs no admin.
  const refused = await preview.invoke('listLinkUsers', { id: link.id }, { user: 'alice', module: 'applinks-connected-accounts' });
  expect(refused.success).toBe(false);

  for (const user of users) {
    // Each person has their own browser: no one else's sandbox session.
    await context.clearCookies();
    const page = await context.newPage();
    await page.goto(`${preview.url}/?module=applinks-connected-accounts&as=${user.key}`);
    const app = page.frameLocator('#forge-app');
    const row = app.locator(`tr[data-link-id="${link.id}"]`);
    await row.getByText('Not connected').waitFor();
    const popupEvent = context.waitForEvent('page');
    await row.getByRole('button', { name: 'Connect' }).click();
    const popup = await popupEvent;
    await popup.waitForLoadState();
    await signInAtSandbox(popup, preview.connectorUrl, `${user.key}-dc`);
    expect(await popup.textContent('body')).toMatch(/Your account is connected/);
    await popup.close();
    await app.getByRole('button', { name: 'refresh this list' }).click();
    await row.getByText(`Connected as ${user.key}-dc`).waitFor();
    if (user.key === 'alice') await shot(page, '40-connected-accounts');
    await page.close();
  }

  // A DC-side program with an API key for the link reads each user's token by account id.
  const store = createStore({ dataDir: path.join(dataDir, 'connector') });
  const { apiKey } = await new ConsumerService({ store, now: Date.now }).create({ name: 'per-user program', linkIds: [link.id] });
  await store.close();
  const tokenOf = async (accountId: string) => {
    const res = await fetch(`${preview.connectorUrl}/v1/links/${link.id}/token?subject=${encodeURIComponent(accountId)}`, { headers: { authorization: `Bearer ${apiKey}` } });
    return { status: res.status, body: (await res.json()) as { accessToken?: string; error?: { code: string } } };
  };
  const names: string[] = [];
  for (const user of users) {
    const { body } = await tokenOf(user.accountId);
    const me = await fetch(`${dc.baseUrl}/rest/api/2/myself`, { headers: { authorization: `Bearer ${body.accessToken}` } });
    names.push(((await me.json()) as { name: string }).name);
  }
  expect(names).toEqual(users.map((user) => `${user.key}-dc`));

  // The admin sees the three users on the link page and disconnects bob.
  const admin = await context.newPage();
  await admin.goto(`${preview.url}/`);
  const adminApp = admin.frameLocator('#forge-app');
  // The list shows the per-user link's numbers instead of one status.
  await adminApp.locator(`tr[data-link-id="${link.id}"] [data-per-user="3/0"]`).waitFor();
  await adminApp.getByRole('button', { name: 'Jira as you' }).click();
  const panel = adminApp.getByTestId('link-users');
  await panel.locator('tr[data-subject]').nth(2).waitFor();
  const bob = users.find((user) => user.key === 'bob')!;
  await panel.getByRole('button', { name: `Disconnect ${bob.accountId}` }).click();
  await panel.getByText('The remote revoked the tokens').waitFor();
  // The result shows before the list's reload answers: wait for Bob's row to go, then count.
  await panel.locator(`tr[data-subject="${bob.accountId}"]`).waitFor({ state: 'detached' });
  expect(await panel.locator('tr[data-subject]').count()).toBe(2);
  await shot(admin, '41-link-users-after-disconnect');
  expect((await tokenOf(bob.accountId)).body.error?.code).toBe('USER_DISCONNECTED');
  expect((await tokenOf(users[0]!.accountId)).status).toBe(200);

  const bobsPage = await context.newPage();
  await bobsPage.goto(`${preview.url}/?module=applinks-connected-accounts&as=bob`);
  await bobsPage.frameLocator('#forge-app').locator(`tr[data-link-id="${link.id}"]`).getByText('Disconnected').waitFor();
}
