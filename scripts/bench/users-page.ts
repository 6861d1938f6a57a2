/// <reference lib="dom" />
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import type { ForgeLinkView } from '../../contract';
import { createStore } from '../../connector/src/storage';
import { startPreview } from '../../preview/server';

/**
 * The admin page's Users section of a per-user link with `users` connected users, in Chromium
 * against the local preview: time until the first page of 50 is on screen, the slowest of the
 * following pages (Next page, all the way to the last), and the input delay afterwards. Users are
 * written straight into the preview connector's store (their connections; no tokens, which the
 * list does not need to render).
 */
export interface UsersPageBench {
  users: number;
  pages: number;
  firstPageMs: number;
  slowestNextPageMs: number;
  inputDelayMs: number;
}

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function benchUsersPage(options: { users: number }): Promise<UsersPageBench | undefined> {
  if (!existsSync(CHROMIUM)) return undefined;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-users-page-'));
  const profile = mkdtempSync(path.join(tmpdir(), 'bench-users-profile-'));
  const preview = await startPreview({ dataDir, port: 0, logLevel: 'error' });
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1400, height: 1600 } });
  try {
    const created = await preview.invoke<ForgeLinkView>('createLink', { name: 'Users bench', remoteKind: 'jira', applicationUrl: 'https://users-bench.example.com', authKind: 'oauth2-impersonation' });
    if (!created.success) throw new Error(`createLink: ${JSON.stringify(created.errors)}`);
    const store = createStore({ dataDir: path.join(dataDir, 'connector') });
    const connectedAt = new Date().toISOString();
    for (let i = 0; i < options.users; i += 1) {
      const subject = `712020:bench-${String(i).padStart(6, '0')}`;
      await store.userConnections.put({ linkId: created.data.id, subject, remoteUsername: `user${i}`, remoteDisplayName: null, connectedAt, disconnectedAt: null, disconnectedBy: null });
    }
    await store.close();
    const page = await context.newPage();
    await page.goto(`${preview.url}/`);
    const app = page.frameLocator('#forge-app');
    const started = performance.now();
    await app.getByRole('button', { name: 'Users bench' }).click();
    const panel = app.getByTestId('link-users');
    await panel.locator('tr[data-subject]').nth(49).waitFor({ timeout: 60_000 });
    const firstPageMs = performance.now() - started;
    const pages = Math.ceil(options.users / 50);
    let slowestNextPageMs = 0;
    for (let p = 2; p <= pages; p += 1) {
      const t = performance.now();
      await panel.getByRole('button', { name: 'Next page' }).click();
      await panel.getByTestId('link-users-page').getByText(`Page ${p}`, { exact: true }).waitFor();
      await panel.locator(`table[aria-label="Connected users, page ${p}"] tr[data-subject]`).first().waitFor();
      slowestNextPageMs = Math.max(slowestNextPageMs, performance.now() - t);
    }
    const frame = page.frame({ url: /\/app\/index\.html/ })!;
    const inputDelayMs = await frame.evaluate(() => new Promise<number>((resolve) => {
      const t = performance.now();
      setTimeout(() => resolve(performance.now() - t), 0);
    }));
    return { users: options.users, pages, firstPageMs, slowestNextPageMs, inputDelayMs };
  } finally {
    await context.close();
    await preview.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  }
}
