/// <reference lib="dom" />
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ForgeLinkView } from '../../contract';
import { startPreview, type Preview } from '../../preview/server';
import { ARTIFACTS, describeWithBrowser, launchBrowser } from '../helpers/browser';

/**
 * The Edit dialog must not undo a change made elsewhere. It used to be mounted with the page and
 * fill its fields once; after the page's link was refreshed (a test connection does that), Save
 * sent the current version with the old fields, which the version check could not catch.
 */
const describeUi = describeWithBrowser('test/ui/edit-link', { needsBuild: true });

jest.setTimeout(120_000);

describeUi('editing a link in the admin page', () => {
  let preview: Preview;
  let dataDir: string;
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = mkdtempSync(path.join(tmpdir(), 'applinks-preview-'));
    preview = await startPreview({ dataDir, port: 0, logLevel: 'error' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await preview?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const data = <T>(answer: { success: boolean; data?: unknown; errors?: unknown }): T => {
    if (!answer.success) throw new Error(JSON.stringify(answer.errors));
    return answer.data as T;
  };

  it('saves over the link as it was when the dialog opened, never over a change it has not shown', async () => {
    const created = data<ForgeLinkView>(await preview.invoke('createLink', { name: 'Jira before', remoteKind: 'jira', applicationUrl: 'https://jira-edit.example.com', authKind: 'none' }));
    const page = await browser!.context.newPage();
    await page.goto(`${preview.url}/`);
    const app = page.frameLocator('#forge-app');
    await app.getByRole('button', { name: 'Jira before', exact: true }).click();
    await app.getByRole('heading', { name: /Jira before/ }).first().waitFor();
    // The dialog seen once, then closed: the old code filled its fields here, for good.
    await app.getByRole('button', { name: 'Edit' }).click();
    await app.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

    // Another admin renames the link; this page learns the new version when its test refreshes the link.
    const current = data<ForgeLinkView>(await preview.invoke('getLink', { id: created.id }));
    data<ForgeLinkView>(await preview.invoke('updateLink', { id: created.id, expectedVersion: current.version, changes: { name: 'Jira renamed elsewhere' } }));
    await app.getByRole('button', { name: 'Test connection' }).click();
    await app.getByRole('heading', { name: /Jira renamed elsewhere/ }).first().waitFor();

    await app.getByRole('button', { name: 'Edit' }).click();
    expect(await app.getByRole('dialog').getByLabel('Name').inputValue()).toBe('Jira renamed elsewhere');
    await app.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await app.getByRole('dialog').waitFor({ state: 'hidden' });
    expect(data<ForgeLinkView>(await preview.invoke('getLink', { id: created.id })).name).toBe('Jira renamed elsewhere');
  });
});
