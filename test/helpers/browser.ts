import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/**
 * What the browser tests share: Debian's Chromium (installed by .ci/run; tests never download a
 * browser), a throw-away profile per launch, and screenshots in test-artifacts/ui/.
 */
export const CHROMIUM = '/usr/bin/chromium';
export const ROOT = path.join(__dirname, '..', '..');
export const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'ui');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** `describe` when Chromium (and, if asked, the built page) is there; otherwise a skip that says what is missing. */
export function describeWithBrowser(file: string, options: { needsBuild: boolean }): jest.Describe {
  const build = path.join(ROOT, 'static', 'admin', 'build', 'index.html');
  const missing = [...(existsSync(CHROMIUM) ? [] : [`${CHROMIUM} (apt-get install -y chromium, as .ci/run does)`]), ...(options.needsBuild && !existsSync(build) ? ['the admin page build (npm run build:ui)'] : [])];
  if (missing.length === 0) return describe;
  console.warn(`SKIPPED ${file}: missing ${missing.join(' and ')}.`);
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
