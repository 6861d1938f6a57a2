import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { decodeJwt } from 'jose';
import { startPreview, type Preview } from '../../preview/server';
import { PREVIEW_USERS } from '../../preview/users';
import type { LinkPage } from '../../contract';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('the preview acts as several accounts and shows several modules', () => {
  let dataDir: string;
  let preview: Preview;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'preview-users-'));
    preview = await startPreview({ dataDir, port: 0, logLevel: 'error', logger: quiet });
  });
  afterAll(async () => {
    await preview.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const sameOrigin = () => ({ 'content-type': 'application/json', origin: preview.url, 'sec-fetch-site': 'same-origin' });

  it('lets the administrator manage links and refuses an ordinary user the admin resolvers', async () => {
    const asAdmin = await preview.invoke<LinkPage>('listLinks', {});
    expect(asAdmin.success).toBe(true);
    const asAlice = await preview.invoke<LinkPage>('listLinks', {}, { user: 'alice' });
    expect(asAlice.success).toBe(false);
    if (!asAlice.success) expect(asAlice.errors[0]?.code).toBe('FORBIDDEN');
  });

  it('runs a page call as the account its frame names, and refuses an account the preview does not have', async () => {
    const body = JSON.stringify({ functionKey: 'listLinks', payload: {} });
    const bob = await fetch(`${preview.url}/__preview/invoke?as=bob`, { method: 'POST', headers: sameOrigin(), body });
    expect(await bob.json()).toMatchObject({ success: false, errors: [{ code: 'FORBIDDEN' }] });
    const admin = await fetch(`${preview.url}/__preview/invoke?as=admin`, { method: 'POST', headers: sameOrigin(), body });
    expect(await admin.json()).toMatchObject({ success: true });
    const mallory = await fetch(`${preview.url}/__preview/invoke?as=mallory`, { method: 'POST', headers: sameOrigin(), body });
    expect(mallory.status).toBe(404);
  });

  it("reports the frame's account and module in the bridge context, and 404 for a module the app does not have", async () => {
    const carol = PREVIEW_USERS.find((user) => user.key === 'carol')!;
    const context = (await (await fetch(`${preview.url}/__preview/context?as=carol&module=applinks-admin-page`)).json()) as Record<string, unknown>;
    expect(context).toMatchObject({ accountId: carol.accountId, moduleKey: 'applinks-admin-page', extension: { type: 'jira:adminPage' } });
    expect((await fetch(`${preview.url}/__preview/context?module=no-such-module`)).status).toBe(404);
  });

  it('frames the page for the chosen account, with links to switch account', async () => {
    const page = await (await fetch(`${preview.url}/?as=alice`)).text();
    expect(page).toContain('src="/app/index.html?module=applinks-admin-page&amp;as=alice&amp;theme=light"');
    expect(page).toMatch(/<a href="[^"]*as=alice[^"]*" aria-current="page">Alice Example<\/a>/);
  });

  it('signs the invocation token for the connector with the invoking account as principal', async () => {
    const alice = PREVIEW_USERS.find((user) => user.key === 'alice')!;
    expect(decodeJwt(await preview.identity.sign(alice.accountId)).principal).toBe(alice.accountId);
    expect(decodeJwt(await preview.identity.sign()).principal).toBe(PREVIEW_USERS[0]!.accountId);
  });
});
