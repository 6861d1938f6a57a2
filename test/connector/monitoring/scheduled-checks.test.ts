import { Command } from 'commander';
import { LinkHealthSchema, LinkViewSchema, TransitionListSchema, type LinkEvent, type TestConnectionResult } from '../../../contract';
import { registerHealthCommands } from '../../../connector/src/monitoring/health-command';
import type { CheckObserver, LinkEventSink } from '../../../connector/src/monitoring/seams';
import { REFRESH_TOKEN_FIELD, tokenOwnerId } from '../../../connector/src/storage/store';
import { DEFAULT_REDIRECT_URI } from '../../helpers/oidc-server';
import type { TestConnector } from '../../helpers/connector-app';
import { startSandboxDc, type SandboxDc } from '../../helpers/sandbox-dc';
import { startSwitchablePort, type SwitchablePort } from '../../helpers/switchable-port';
import { authorize, createLink, startConnector } from '../discovery/fixtures';

/**
 * Scheduled checks against the sandbox Data Center behind a port the test takes down and brings
 * back: the link goes failing after two failed checks and connected after the first good one, one
 * transition and one event each way, and the happy path never asks the token endpoint.
 */
const MINUTE = 60_000;
// The scheduler's clock, moved by the test; the rest of the connector reads the real one (the
// clock stage compares it with the sandbox's Date header).
const clock = { t: Date.now() };
const events: LinkEvent[] = [];
const observed: { linkId: string; ok: boolean }[] = [];
const sink: LinkEventSink = { publish: async (event) => void events.push(event) };
const observer: CheckObserver = { observed: async (linkId, result: TestConnectionResult) => void observed.push({ linkId, ok: result.ok }) };

let dc: SandboxDc;
let remote: SwitchablePort;
let c: TestConnector;
let linkId: string;

beforeAll(async () => {
  dc = await startSandboxDc({ clients: { dc: { authMethod: 'client_secret_post', grantTypes: ['authorization_code', 'refresh_token'] } } });
  remote = await startSwitchablePort({ host: '127.0.0.1', port: Number(new URL(dc.baseUrl).port) });
  c = await startConnector({ monitoring: { sink, observers: [observer], scheduler: { now: () => clock.t, random: () => 0 } } });
  // The remote's pages and API behind the switchable port; its OAuth endpoints direct (the sign-in
  // pages are the sandbox's own, addressed by its issuer URL).
  const client = dc.clients.dc!;
  linkId = await createLink(c, { ...dc, baseUrl: `http://127.0.0.1:${remote.port}` }, 'dc', {
    outgoing: { clientId: client.clientId, clientSecret: client.clientSecret, scopes: ['READ'], authorizationEndpoint: dc.authorizationEndpoint, tokenEndpoint: dc.tokenEndpoint },
  });
  await authorize(c, dc, linkId);
});

afterAll(async () => {
  expect(c.watch.leaks()).toEqual([]);
  await c.close();
  await remote.close();
  await dc.stop();
});

const scan = () => c.app.connector.monitoring.scheduler.runOnce();
const link = async () => LinkViewSchema.parse((await c.request({ method: 'GET', url: `/v1/links/${linkId}` })).json());
const later = (minutes: number) => (clock.t += minutes * MINUTE);

it('goes failing after two failed checks and connected after the first good one, one transition and one event each way', async () => {
  await dc.resetCounts();
  expect(await scan()).toBe(1);
  expect(observed).toEqual([{ linkId, ok: true }]);
  expect(await scan()).toBe(0); // not due again within its interval
  // The happy path asked nothing of the token endpoint: the held token stood for the credentials.
  expect(Object.values(await dc.counts()).reduce((a, b) => a + b, 0)).toBe(0);

  await remote.down();
  later(15);
  expect(await scan()).toBe(1);
  expect((await link()).status).toBe('connected'); // one failure can be a blip
  expect(events).toEqual([]);

  later(15);
  expect(await scan()).toBe(1);
  const failing = await link();
  expect(failing.status).toBe('failing');
  expect(failing.statusReason).toContain('CONNECTION_REFUSED');
  expect(events.map((e) => e.type)).toEqual(['link.failing']);
  expect(events[0]!.data).toMatchObject({ linkId, stage: 'tcp', code: 'CONNECTION_REFUSED' });

  later(15);
  await scan(); // still down: no second transition
  expect(events).toHaveLength(1);

  await remote.up();
  later(15);
  expect(await scan()).toBe(1);
  expect((await link()).status).toBe('connected');
  expect(events.map((e) => e.type)).toEqual(['link.failing', 'link.recovered']);
  expect(observed.map((o) => o.ok)).toEqual([true, false, false, false, true]);

  const health = LinkHealthSchema.parse((await c.request({ method: 'GET', url: `/v1/links/${linkId}/health` })).json());
  expect(health.state).toBe('up');
  expect(health.transitions.map((t) => t.type)).toEqual(['recovered', 'failing']);
  const failingTransition = health.transitions[1]!;
  // Failing since the first failed check of the streak, not the second.
  expect(failingTransition.since).toBe([...health.failures].reverse()[0]!.at);
  expect(health.failures).toHaveLength(3);
  expect(health.uptime.day).toEqual({ ratio: 2 / 5, checks: 5 });
  expect(health.latency.find((l) => l.stage === 'tcp')?.runs).toBe(5);
  expect(health.nextCheckAt).toBe(new Date(clock.t + 15 * MINUTE).toISOString());
  // The connector's forecasts: a Data Center refresh token lasts 90 days from the last refresh.
  expect(health.forecasts.map((f) => f.kind)).toEqual(['refresh-token']);

  // The links list's one call per page carries the badge when asked for (and only then).
  const summaries = (headers: Record<string, string>) => c.request({ method: 'POST', url: '/v1/links/credentials', payload: { ids: [linkId] }, headers });
  expect((await summaries({ 'x-applinks-include-health': '1' })).json()).toMatchObject({ items: [{ id: linkId, health: { state: 'up', uptime24h: { ratio: 2 / 5, checks: 5 } } }] });
  expect((await summaries({})).json().items[0]).not.toHaveProperty('health');

  const log = TransitionListSchema.parse((await c.request({ method: 'GET', url: '/v1/health/transitions' })).json());
  expect(log.items.map((t) => [t.linkId, t.type])).toEqual([
    [linkId, 'failing'],
    [linkId, 'recovered'],
  ]);
});

it('a manual test tells the observers too, and changes no status', async () => {
  const before = observed.length;
  const res = await c.request({ method: 'POST', url: `/v1/links/${linkId}/test` });
  expect(res.statusCode).toBe(200);
  expect(observed.length).toBe(before + 1);
  expect(events).toHaveLength(2);
});

it('a link with checks off is not checked; turning them on again makes it due at once', async () => {
  const off = await c.request({ method: 'PATCH', url: `/v1/links/${linkId}`, payload: { checkIntervalMinutes: null } });
  expect(off.json()).toMatchObject({ checkIntervalMinutes: null });
  const before = observed.length;
  later(15);
  expect(await scan()).toBe(1); // claimed, looked at, not checked
  expect(observed.length).toBe(before);
  const on = await c.request({ method: 'PATCH', url: `/v1/links/${linkId}`, payload: { checkIntervalMinutes: 5 } });
  expect(on.json()).toMatchObject({ checkIntervalMinutes: 5 });
  expect(await scan()).toBe(1);
  expect(observed.length).toBe(before + 1);
  expect((await c.request({ method: 'PATCH', url: `/v1/links/${linkId}`, payload: { checkIntervalMinutes: 4 } })).statusCode).toBe(400);
});

it('the CLI prints the same health (links health) and sets the interval (links check-interval)', async () => {
  const out: string[] = [];
  const err: string[] = [];
  const program = new Command('applinks-connector').exitOverride();
  registerHealthCommands(program.command('links'), { out: (l) => out.push(l), err: (l) => err.push(l), withStore: (run) => run(c.store) });
  await program.parseAsync(['links', 'health', linkId], { from: 'user' });
  const text = out.join('\n');
  expect(text).toMatch(/^state\s+up since /m);
  expect(text).toMatch(/uptime\s+24 h 50\.0 % of 6 \| 7 d 50\.0 % of 6/);
  expect(text).toMatch(/ failing tcp CONNECTION_REFUSED/);
  expect(text).toMatch(/ recovered/);
  expect(text).toMatch(/failures \(3, newest first\)/);
  out.length = 0;
  await program.parseAsync(['links', 'check-interval', linkId, '60'], { from: 'user' });
  expect(out).toEqual([expect.stringContaining('every 60 minutes')]);
  expect((await link()).checkIntervalMinutes).toBe(60);
  await expect(program.parseAsync(['links', 'check-interval', linkId, '3'], { from: 'user' })).rejects.toThrow();
  expect(err.join('')).toContain('from 5 to 1440');
});

it("the refresh path's needs-reauthorization is recorded and announced once, whoever refreshes again", async () => {
  const stored = (await c.store.tokens.get(linkId, ''))!;
  const refreshToken = c.watch.secret(await c.vault.open(tokenOwnerId(linkId, ''), REFRESH_TOKEN_FIELD, stored.refreshToken!));
  const client = dc.clients.dc!;
  const spend = () =>
    fetch(dc.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: client.clientId, client_secret: client.clientSecret, redirect_uri: DEFAULT_REDIRECT_URI }),
    });
  expect((await spend()).status).toBe(200);
  expect((await spend()).status).toBe(400); // reuse: the provider revokes the grant
  const past = new Date(Date.now() - 1000).toISOString();
  await c.store.tokens.saveRecord({ ...stored.record, expiresAt: past, refreshAt: past });
  const before = events.length;
  expect(await c.app.connector.credentials.refresh(linkId, '', { wait: true })).toBe('needs-reauthorization');
  await c.app.connector.credentials.refresh(linkId, '', { wait: true });
  expect((await link()).status).toBe('needs-reauthorization');
  expect(events.slice(before).map((e) => [e.type, e.data.code])).toEqual([['link.needs_reauthorization', 'INVALID_GRANT']]);
  const log = TransitionListSchema.parse((await c.request({ method: 'GET', url: '/v1/health/transitions' })).json());
  expect(log.items.filter((t) => t.type === 'needs-reauthorization')).toHaveLength(1);
  // Checks of a link that needs re-authorization are kept, but neither count nor announce.
  later(61);
  await scan();
  later(61);
  await scan();
  expect(events.length).toBe(before + 1);
});
