import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { hasTool } from './required-tools';

/**
 * What the browser tests share: Debian's Chromium (installed by .ci/run; tests never download a
 * browser), a throw-away profile per launch, and screenshots in test-artifacts/ui/.
 */
export const CHROMIUM = '/usr/bin/chromium'; // test/setup/required-tools.json names the same path
export const ROOT = path.join(__dirname, '..', '..');
export const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'ui');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * `describe` when Chromium (and, if asked, the built page) is there; otherwise a real skip that says
 * what is missing, and under CI=true a failure (test/helpers/required-tools.ts).
 */
export function describeWithBrowser(file: string, options: { needsBuild: boolean }): jest.Describe {
  if (!hasTool('chromium')) return describe.skip;
  const build = path.join(ROOT, 'static', 'admin', 'build', 'index.html');
  if (!options.needsBuild || existsSync(build)) return describe;
  const message = `${file} needs the admin page build (npm run build:ui; npm test builds it first).`;
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(`SKIPPED ${message}`);
  return describe.skip;
}

export async function launchBrowser(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(path.join(tmpdir(), 'applinks-ui-profile-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1400, height: 1600 } });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A full-page screenshot under test-artifacts/ui/<name>.png. */
export const shot = async (page: Page, name: string): Promise<void> => {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
};
