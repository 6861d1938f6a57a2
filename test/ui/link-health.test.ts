/// <reference lib="dom" />
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ForgeLinkView, LinkEvent } from '../../contract';
import { startPreview, type Preview } from '../../preview/server';
import { ARTIFACTS, describeWithBrowser, launchBrowser, shot } from '../helpers/browser';
import { createAuthorizedLink, resolve } from '../helpers/preview-link';
import { startSandboxDc, type SandboxDc } from '../helpers/sandbox-dc';

/**
 * A link's health in Chromium against the local preview and the sandbox Data Center: scheduled
 * checks (driven by the test's clock) see the remote fail twice and come back; the list shows the
 * health badge and a "breaks in" banner, the link's page the timeline, uptime, transitions and the
 * banner, and the audit log the transitions once each.
 *
 * The forecast: the link's client secret expires in 10 days (outgoing.secretExpiresAt), which the
 * connector's own forecasts (monitoring/forecasts) turn into the "breaks in" the pages show.
 */
const describeUi = describeWithBrowser('test/ui/link-health', { needsBuild: true });
jest.setTimeout(120_000);

const MINUTE = 60_000;
const DAY = 86_400_000;

describeUi('a link\'s health on the admin page', () => {
  let preview: Preview;
  let dc: SandboxDc;
  let dataDir: string;
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  const events: LinkEvent[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = mkdtempSync(path.join(tmpdir(), 'applinks-preview-'));
    preview = await startPreview({ dataDir, port: 0, logLevel: 'error', monitoring: { sink: { publish: async (e) => void events.push(e) } } });
    dc = await startSandboxDc({ clients: { cloud: { authMethod: 'client_secret_post', grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [`${preview.connectorUrl}/oauth/callback`] } } });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await dc?.stop();
    await preview?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows the badge and "breaks in" on the list, and the timeline, uptime and transitions on the link\'s page', async () => {
    const { link } = await createAuthorizedLink(preview, dc, { name: 'Jira (watched)', client: dc.clients.cloud! });
    const expires = new Date(Date.now() + 10 * DAY).toISOString().slice(0, 10);
    await resolve<ForgeLinkView>(preview, 'updateLink', { id: link.id, changes: { outgoing: { secretExpiresAt: expires } } });

    // Four scheduled checks, 16 minutes apart: good, two failures (no applinks manifest), good.
    const t0 = Date.now();
    await preview.runChecks(new Date(t0)); // the first scan schedules the new link within 15 minutes
    expect(await preview.runChecks(new Date(t0 + 16 * MINUTE))).toBe(1);
    await dc.configure({ manifest: null });
    await preview.runChecks(new Date(t0 + 32 * MINUTE));
    await preview.runChecks(new Date(t0 + 48 * MINUTE));
    expect((await resolve<ForgeLinkView>(preview, 'getLink', { id: link.id })).status).toBe('failing');
    await dc.configure({ manifest: {} });
    await preview.runChecks(new Date(t0 + 64 * MINUTE));
    expect(events.map((e) => e.type)).toEqual(['link.failing', 'link.recovered']);

    const page = await browser!.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${preview.url}/`);
    const app = page.frameLocator('#forge-app');
    const row = app.locator(`tr[data-link-id="${link.id}"]`);
    await row.locator('[data-health="up"]').waitFor();
    expect(await row.locator('[data-health="up"]').innerText()).toMatch(/^up\s+50\.0 % 24 h$/i);
    await app.locator('[data-breaks-in="10"]').filter({ hasText: 'Jira (watched): breaks in 10 days' }).waitFor();
    await shot(page, 'health-list');

    await app.getByRole('button', { name: 'Jira (watched)', exact: true }).click();
    const health = app.getByRole('region', { name: 'Health' });
    await health.locator('[data-uptime="day"]').filter({ hasText: '50.0 %' }).waitFor();
    expect(await health.locator('[data-breaks-in="10"]').innerText()).toContain('The client secret expires on');
    const timeline = health.getByRole('list', { name: 'Transitions and failures' });
    expect(await timeline.locator('li.transition').allInnerTexts()).toEqual([expect.stringMatching(/^Recovered/), expect.stringMatching(/^Became failing .* manifest: NOT_ATLASSIAN/)]);
    expect(await timeline.locator('li.failure').count()).toBe(2);
    // Today's cell of the 30-day strip: some checks failed.
    expect(await health.locator('ol.health-strip li').count()).toBe(30);
    expect(await health.locator('ol.health-strip li.some, ol.health-strip li.down').count()).toBeGreaterThanOrEqual(1);
    // The audit log took each transition once, however often the link is opened.
    await resolve(preview, 'getLink', { id: link.id });
    const audit = await resolve<{ items: { action: string }[] }>(preview, 'listAuditLog', { linkId: link.id });
    expect(audit.items.filter((e) => e.action === 'link.failing' || e.action === 'link.recovered').map((e) => e.action)).toEqual(['link.recovered', 'link.failing']);
    await shot(page, 'health-link-page');

    // The interval is edited on the page: off, and the link's health says so.
    await health.getByRole('combobox').selectOption('null');
    await health.getByText('Scheduled checks are off').waitFor();
    expect(errors).toEqual([]);
  });
});
