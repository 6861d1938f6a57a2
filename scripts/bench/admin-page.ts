/// <reference lib="dom" />
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { startPreview } from '../../preview/server';

/**
 * The admin page with 500 links, in Debian's Chromium against the local preview: how long until
 * the last row is on screen, and whether the page still answers input at once afterwards (a long
 * task would delay a zero-delay timer). The browser test checks that the 500 rows are there; the
 * speed is measured here, where a busy machine cannot turn a good change red.
 */
export interface AdminPageBench {
  links: number;
  onScreenMs: number;
  renderMs: number;
  inputDelayMs: number;
}

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function benchAdminPage(options: { links: number }): Promise<AdminPageBench | undefined> {
  if (!existsSync(CHROMIUM)) return undefined;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-admin-page-'));
  const profile = mkdtempSync(path.join(tmpdir(), 'bench-admin-profile-'));
  const preview = await startPreview({ dataDir, port: 0, logLevel: 'error' });
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1400, height: 1600 } });
  try {
    for (let batch = 0; batch < options.links; batch += 25) {
      await Promise.all(
        Array.from({ length: Math.min(25, options.links - batch) }, (_, i) =>
          preview.invoke('createLink', { name: `Bench link ${batch + i}`, remoteKind: 'jira', applicationUrl: `https://bench-${batch + i}.example.com`, authKind: 'none' }),
        ),
      );
    }
    const page = await context.newPage();
    const started = performance.now();
    await page.goto(`${preview.url}/`);
    await page.frameLocator('#forge-app').locator('tbody tr').nth(options.links - 1).waitFor({ timeout: 120_000 });
    const onScreenMs = performance.now() - started;
    const frame = page.frame({ url: /\/app\/index\.html/ })!;
    const renderMs = Number(await frame.evaluate(() => document.documentElement.dataset.linksRenderedMs));
    const inputDelayMs = await frame.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const t = performance.now();
          setTimeout(() => resolve(performance.now() - t), 0);
        }),
    );
    return { links: options.links, onScreenMs, renderMs, inputDelayMs };
  } finally {
    await context.close();
    await preview.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  }
}
