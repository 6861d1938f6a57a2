import type { ForgeLinkView } from '../../contract';
import { GatewayRateLimit } from '../../src/incoming/gateway-rate-limit';
import { checkGatewayPath, requiredScope } from '../../src/incoming/gateway-policy';
import { createJiraGateway } from '../../src/incoming/jira-gateway';
import type { WebTriggerHandler, WebTriggerResponse } from '../../src/webtriggers/web-trigger';
import { APP_ACCOUNT } from '../../preview/jira-stand-in';
import { mint } from './helpers/incoming-probe';
import { NOT_ADMIN, startForgeApp, type ForgeAppHarness } from './helpers/forge-app';
import { fullFlow, incomingLink } from './helpers/code-flow';

/**
 * The gateway to Jira Cloud's REST APIs (issue 12 item 2): the token's scopes govern each call,
 * calls reach "Jira" (the preview's stand-in for asApp().requestJira) as the app with nothing of
 * the remote's headers, limits hold, and the link's admin sees what the remote did (item 3).
 */

let app: ForgeAppHarness;
beforeEach(() => {
  app = startForgeApp();
});
afterEach(() => {
  expect(app.watch.leaks()).toEqual([]);
});

interface Call {
  method?: string;
  path: string;
  token?: string;
  body?: string;
  headers?: Record<string, string[]>;
  query?: Record<string, string[]>;
}
async function through(handler: WebTriggerHandler, call: Call): Promise<WebTriggerResponse & { json: Record<string, unknown> }> {
  const headers: Record<string, string[]> = { ...(call.token === undefined ? {} : { Authorization: [`Bearer ${call.token}`] }), ...(call.body === undefined ? {} : { 'Content-Type': ['application/json'] }), ...call.headers };
  const response = await handler({ method: call.method ?? 'GET', path: `/x1/gw${call.path}`, userPath: call.path, headers, queryParameters: call.query ?? {}, ...(call.body === undefined ? {} : { body: call.body }) });
  app.watch.record(JSON.stringify(response));
  return { ...response, json: response.body === '' ? {} : (JSON.parse(response.body) as Record<string, unknown>) };
}
const gateway = (call: Call) => through(app.webTriggers['jira-gateway'], call);
const newIssue = JSON.stringify({ fields: { project: { key: 'DEMO' }, summary: 'From Data Center', issuetype: { name: 'Task' } } });

describe('the Jira gateway', () => {
  it('lets a WRITE token read and create, refuses an admin call with insufficient_scope, and passes nothing of the remote\'s headers', async () => {
    const l = await incomingLink(app, { scopes: ['WRITE'] });
    const { access } = await fullFlow(app, l, NOT_ADMIN);

    const myself = await gateway({ path: '/rest/api/3/myself', token: access, headers: { Cookie: ['session=abc'], 'X-Forwarded-For': ['10.0.0.1'], 'User-Agent': ['Jira DC'] }, query: { expand: ['groups'] } });
    expect(myself.statusCode).toBe(200);
    expect(myself.json).toEqual(APP_ACCOUNT);
    expect(app.jira.calls[0]).toEqual({ method: 'GET', path: '/rest/api/3/myself?expand=groups', headers: { Accept: 'application/json' }, body: undefined });

    const created = await gateway({ method: 'POST', path: '/rest/api/3/issue', token: access, body: newIssue });
    expect(created).toMatchObject({ statusCode: 201, json: { key: 'DEMO-1' } });
    expect(app.jira.calls[1]?.headers).toEqual({ Accept: 'application/json', 'Content-Type': 'application/json' });

    const calls = app.jira.calls.length;
    const admin = await gateway({ path: '/rest/api/3/application-properties', token: access });
    expect(admin).toMatchObject({ statusCode: 403, json: { error: 'insufficient_scope', scope: 'ADMIN' } });
    expect(admin.headers['WWW-Authenticate']?.[0]).toMatch(/^Bearer realm="[^"]+", error="insufficient_scope", error_description="[^"]+", scope="ADMIN"$/);
    expect((await gateway({ method: 'DELETE', path: '/rest/api/3/issue/DEMO-1', token: access })).json).toMatchObject({ error: 'insufficient_scope', scope: 'ADMIN' });
    expect(app.jira.calls).toHaveLength(calls);

    // The admin sees the other side: the last token and the last call, with scope and result.
    const link = await app.call<ForgeLinkView>('getLink', { id: l.link.id });
    expect(link.incoming?.activity).toEqual({
      lastToken: { at: expect.any(String), grant: 'authorization_code', generation: 1 },
      lastGatewayCall: { at: expect.any(String), method: 'DELETE', path: '/rest/api/3/issue/DEMO-1', scope: 'ADMIN', status: 403, outcome: 'insufficient_scope' },
    });
  });

  it('lets a READ token read only, and an ADMIN token reach configuration', async () => {
    const reader = await incomingLink(app, { scopes: ['READ'] });
    const read = await mint(app, reader.clientId, reader.secret);
    expect((await gateway({ path: '/rest/api/3/myself', token: read!.accessToken })).statusCode).toBe(200);
    expect((await gateway({ method: 'POST', path: '/rest/api/3/search/jql', token: read!.accessToken, body: '{"jql":"project = DEMO"}' })).statusCode).toBe(404);
    expect((await gateway({ method: 'POST', path: '/rest/api/3/issue', token: read!.accessToken, body: newIssue })).json).toMatchObject({ error: 'insufficient_scope', scope: 'WRITE' });

    const admin = await incomingLink(app, { name: 'Admin Jira', scopes: ['ADMIN'] });
    const full = await mint(app, admin.clientId, admin.secret);
    expect((await gateway({ path: '/rest/api/3/application-properties', token: full!.accessToken })).statusCode).toBe(200);
  });

  it('refuses a missing, malformed, expired, URL-borne or deleted link\'s token with 401 before Jira is asked', async () => {
    const l = await incomingLink(app, { scopes: ['READ'] });
    const minted = await mint(app, l.clientId, l.secret);
    const token = minted!.accessToken;
    expect((await gateway({ path: '/rest/api/3/myself' })).statusCode).toBe(401);
    expect((await gateway({ path: '/rest/api/3/myself', headers: { Authorization: ['Basic abc'] } })).statusCode).toBe(401);
    expect((await gateway({ path: '/rest/api/3/myself', token, query: { access_token: [token] } })).statusCode).toBe(401);
    expect((await gateway({ path: '/rest/api/3/myself', token: 'x'.repeat(43) })).json).toMatchObject({ error: 'invalid_token' });
    app.clock.advance(3600);
    expect((await gateway({ path: '/rest/api/3/myself', token })).json).toMatchObject({ error: 'invalid_token' });
    const fresh = await mint(app, l.clientId, l.secret);
    await app.call('deleteLink', { id: l.link.id });
    expect((await gateway({ path: '/rest/api/3/myself', token: fresh!.accessToken })).json).toMatchObject({ error: 'invalid_token' });
    expect(app.jira.calls).toHaveLength(0);
  });

  it('refuses paths outside Jira REST, dot and encoded segments, bodies that are too large or not JSON, and too many calls', async () => {
    const l = await incomingLink(app, { scopes: ['ADMIN'] });
    const token = (await mint(app, l.clientId, l.secret))!.accessToken;
    for (const path of ['', '/', '/wiki/rest/api/content', '/rest/api/3/../../secure/admin', '/rest/api/3/%2e%2e/x', '/rest/api/3//myself', '/rest/api/3/issue%2fDEMO-1', '/rest/api/4/myself', '/rest/api/3/%61pplication-properties', '/rest/api/3/application-properties;x', '/rest/api/3/myself%3bx', '/rest/api/3/x%', '/rest/api/3/x%zz']) {
      expect({ path, status: (await gateway({ path, token })).statusCode }).toEqual({ path, status: 400 });
    }
    expect((await gateway({ method: 'OPTIONS', path: '/rest/api/3/myself', token })).statusCode).toBe(405);
    expect((await gateway({ method: 'POST', path: '/rest/api/3/issue', token, body: 'x'.repeat(1024 * 1024 + 1) })).statusCode).toBe(413);
    expect((await gateway({ method: 'POST', path: '/rest/api/3/issue', token, body: 'summary=x', headers: { 'Content-Type': ['application/x-www-form-urlencoded'] } })).statusCode).toBe(415);
    expect(app.jira.calls).toHaveLength(0);

    // A new minute: the calls above counted in this one.
    app.clock.advance(60);
    const limited = createJiraGateway({ tokens: app.services.tokens, jira: app.jira, rateLimit: new GatewayRateLimit({ store: app.store, now: app.clock.now, perMinute: 2 }), activity: app.services.activity, logger: app.logger });
    expect((await through(limited, { path: '/rest/api/3/myself', token })).statusCode).toBe(200);
    expect((await through(limited, { path: '/rest/api/3/myself', token })).statusCode).toBe(200);
    const third = await through(limited, { path: '/rest/api/3/myself', token });
    expect(third.statusCode).toBe(429);
    expect(Number(third.headers['Retry-After']?.[0])).toBeGreaterThan(0);
    app.clock.advance(60);
    expect((await through(limited, { path: '/rest/api/3/myself', token })).statusCode).toBe(200);

    const huge = createJiraGateway({
      tokens: app.services.tokens,
      jira: async () => ({ status: 200, headers: { get: () => 'application/json' }, text: async () => `"${'x'.repeat(4 * 1024 * 1024)}"` }),
      rateLimit: app.services.gatewayRateLimit,
      activity: app.services.activity,
      logger: app.logger,
    });
    expect((await through(huge, { path: '/rest/api/3/search', token })).json).toMatchObject({ error: 'response_too_large' });
  });
});

describe('the gateway policy', () => {
  it.each([
    ['GET', '/rest/api/3/issue/DEMO-1', 'READ'],
    ['POST', '/rest/api/3/search/jql', 'READ'],
    ['POST', '/rest/api/3/issue', 'WRITE'],
    ['PUT', '/rest/api/3/issue/DEMO-1', 'WRITE'],
    ['POST', '/rest/api/3/issue/DEMO-1/comment', 'WRITE'],
    ['POST', '/rest/api/3/issue/DEMO-1/transitions', 'WRITE'],
    ['DELETE', '/rest/api/3/issue/DEMO-1', 'ADMIN'],
    ['GET', '/rest/api/3/application-properties', 'ADMIN'],
    ['GET', '/rest/api/3/auditing/record', 'ADMIN'],
    ['POST', '/rest/api/3/project', 'ADMIN'],
    ['PUT', '/rest/api/3/user/properties/x', 'ADMIN'],
    ['GET', '/rest/api/3/user/search?query=a%20b'.split('?')[0]!, 'READ'],
    ['GET', '/rest/api/3/issue/DEMO-1/properties/caf%C3%A9', 'READ'],
  ])('%s %s needs %s', (method, path, scope) => {
    expect(checkGatewayPath(path)).toEqual({ ok: true });
    expect(requiredScope(method, path)).toBe(scope);
  });
});
