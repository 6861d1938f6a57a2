import type { Page } from 'playwright-core';

/**
 * Plays a person in the sandbox Data Center's sign-in window (oidc-provider's interaction pages):
 * signs in as `login`, consents, and waits until the browser is back at the connector's callback.
 */
export async function signInAtSandbox(popup: Page, connectorUrl: string, login = 'admin'): Promise<void> {
  await popup.locator('input[name="login"]').fill(login);
  const password = popup.locator('input[name="password"]');
  if ((await password.count()) > 0) await password.fill(login);
  await popup.locator('button[type="submit"], input[type="submit"]').first().click();
  await popup.waitForLoadState();
  for (let i = 0; i < 3 && !popup.url().startsWith(connectorUrl); i++) {
    const consent = popup.locator('button[type="submit"], input[type="submit"]').first();
    if ((await consent.count()) === 0) break;
    await consent.click();
    await popup.waitForLoadState();
  }
  await popup.waitForURL((url) => url.toString().startsWith(`${connectorUrl}/oauth/callback`));
}
