import type { TestConnector } from '../../helpers/connector-app';
import { startSandboxDc, type SandboxDc } from '../../helpers/sandbox-dc';
import { startConnector, stageOf, summary, testLink } from './fixtures';

/**
 * The two kinds that connect with client credentials at once (issue 14, items 3 and 4), against the
 * sandbox's stand-ins (sandbox/extensions/): a Bitbucket Cloud consumer, whose permissions test
 * connection checks with Bitbucket's API 2.0, naming each one missing; and a Data Center service
 * account, offered only on versions that have them, with its credential's expiry kept.
 */
const DVCS = ['account:write', 'repository:admin', 'pullrequest', 'webhook'];

interface Consumer {
  key: string;
  secret: string;
  callbackUrl: string | null;
  private: boolean;
  permissions: string[];
}
const consumer = (permissions: string[], extra: Partial<Consumer> = {}): Consumer => ({
  key: `key-${Math.random().toString(36).slice(2, 10)}`,
  secret: `secret-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`,
  callbackUrl: 'http://localhost',
  private: true,
  permissions,
  ...extra,
});

const full = consumer(DVCS);
const noWebhooks = consumer(['account', 'repository:admin', 'pullrequest']);
const noCallback = consumer(DVCS, { callbackUrl: null });

let dc: SandboxDc;
let c: TestConnector;

beforeAll(async () => {
  dc = await startSandboxDc({
    scopes: ['READ', 'WRITE', 'ADMIN', 'SYSTEM_ADMIN'],
    clients: {},
    settings: {
      manifest: { kind: 'jira', version: '11.3.0' },
      bitbucketCloud: {
        user: { username: 'dvcs-owner' },
        workspaces: { acme: { role: 'owner', repositories: ['web'] }, 'not-admin': { role: 'member', repositories: ['x'] } },
        consumers: [full, noWebhooks, noCallback],
      },
    },
  });
  c = await startConnector();
});
afterAll(async () => {
  expect(c.watch.leaks()).toEqual([]);
  await c.close();
  await dc.stop();
});

async function create(payload: Record<string, unknown>): Promise<{ id: string; outgoing: Record<string, unknown> }> {
  const res = await c.request({ method: 'POST', url: '/v1/links', payload });
  if (res.statusCode !== 201) throw new Error(`link not created: ${res.statusCode} ${res.body}`);
  return res.json() as { id: string; outgoing: Record<string, unknown> };
}

async function bitbucketLink(who: Consumer, workspace: string | undefined): Promise<string> {
  c.watch.secret(who.secret);
  const link = await create({
    name: `Bitbucket Cloud ${who.key}`,
    remoteKind: 'bitbucket-cloud',
    applicationUrl: dc.baseUrl,
    outgoing: { clientId: who.key, clientSecret: who.secret, ...(workspace === undefined ? {} : { workspace }) },
  });
  // The preset's endpoints follow the application URL (bitbucket.org in production, the stand-in here).
  expect(link.outgoing).toMatchObject({ tokenEndpoint: `${dc.baseUrl}/site/oauth2/access_token`, grantType: 'client_credentials', workspace: workspace ?? null });
  return link.id;
}

describe('Bitbucket Cloud', () => {
  it('Connect obtains the token at once; the test checks account, membership, repositories and webhooks with API 2.0', async () => {
    const id = await bitbucketLink(full, 'acme');
    const connect = await c.request({ method: 'POST', url: `/v1/links/${id}/authorize`, payload: {} });
    expect(connect.json()).toEqual({ authorizationUrl: null, expiresAt: null });
    expect((await c.request({ method: 'GET', url: `/v1/links/${id}` })).json()).toMatchObject({ status: 'connected', credential: { state: 'valid' } });
    const result = await testLink(c, id);
    expect(summary(result)).toContain('api: pass OK');
    expect(stageOf(result, 'api').message).toContain('membership of acme (owner)');
  });

  it('names each missing permission: webhooks lacking a scope, and Account: Write where only Account: Read was granted', async () => {
    const result = await testLink(c, await bitbucketLink(noWebhooks, 'acme'));
    const api = stageOf(result, 'api');
    expect(api).toMatchObject({ status: 'fail', code: 'BITBUCKET_PERMISSIONS_MISSING' });
    expect(api.message).toContain('Webhooks: Read and write (webhook)');
    expect(api.message).toContain('Account: Write (account:write)');
    expect(api.message).not.toContain('Repositories');
    expect(api.hint).toContain('OAuth consumers');
  });

  it('says when the consumer\'s owner is no member of the workspace, or not its administrator', async () => {
    const stranger = stageOf(await testLink(c, await bitbucketLink(full, 'someone-else')), 'api');
    expect(stranger).toMatchObject({ status: 'fail', code: 'BITBUCKET_NOT_WORKSPACE_MEMBER' });
    expect(stranger.message).toContain('"someone-else"');
    const member = stageOf(await testLink(c, await bitbucketLink(full, 'not-admin')), 'api');
    expect(member).toMatchObject({ status: 'fail', code: 'BITBUCKET_PERMISSIONS_MISSING' });
    expect(member.message).toContain('Administrator of the workspace not-admin');
  });

  it('flags a consumer without a callback URL, as Bitbucket\'s token endpoint reports it, at Connect and in the test', async () => {
    const id = await bitbucketLink(noCallback, 'acme');
    const connect = await c.request({ method: 'POST', url: `/v1/links/${id}/authorize`, payload: {} });
    expect(connect.statusCode).toBeGreaterThanOrEqual(400);
    expect(connect.body).toContain('No callback uri defined');
    const credentials = stageOf(await testLink(c, id), 'credentials');
    expect(credentials).toMatchObject({ status: 'fail', code: 'INVALID_CLIENT' });
    expect(credentials.hint).toContain('callback URL');
  });

  it('refuses a workspace that is not a workspace ID', async () => {
    const res = await c.request({
      method: 'POST',
      url: '/v1/links',
      payload: { name: 'bad', remoteKind: 'bitbucket-cloud', applicationUrl: dc.baseUrl, outgoing: { workspace: 'https://bitbucket.org/acme' } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('workspace ID');
  });
});

describe('Data Center service accounts', () => {
  async function issue(body: Record<string, unknown>): Promise<{ status: number; account: { clientId: string; clientSecret: string; expiresAt: string | null } }> {
    const res = await fetch(`${dc.baseUrl}/rest/sandbox/service-accounts`, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(5_000) });
    const account = (await res.json()) as { clientId: string; clientSecret: string; expiresAt: string | null };
    if (res.status === 201) c.watch.secret(account.clientSecret);
    return { status: res.status, account };
  }

  it('connects at once with client credentials, keeps the credential\'s expiry, and passes the test', async () => {
    const { account } = await issue({ scopes: ['READ', 'WRITE'], expiresAt: '2031-06-30' });
    const link = await create({
      name: 'Jira service account',
      remoteKind: 'jira',
      applicationUrl: dc.baseUrl,
      outgoing: { clientId: account.clientId, clientSecret: account.clientSecret, grantType: 'client_credentials', scopes: ['READ', 'WRITE'], secretExpiresAt: '2031-06-30' },
    });
    expect(link.outgoing).toMatchObject({ grantType: 'client_credentials', secretExpiresAt: '2031-06-30' });
    const connect = await c.request({ method: 'POST', url: `/v1/links/${link.id}/authorize`, payload: {} });
    expect(connect.json()).toEqual({ authorizationUrl: null, expiresAt: null });
    const view = (await c.request({ method: 'GET', url: `/v1/links/${link.id}` })).json() as { status: string; credential: { state: string; hasRefreshToken: boolean } };
    expect(view).toMatchObject({ status: 'connected', credential: { state: 'valid', hasRefreshToken: false } });
    expect(summary(await testLink(c, link.id)).filter((line) => !line.endsWith('OK'))).toEqual([]);
  });

  it('refuses scopes a Jira service account cannot hold, and an expired credential fails as INVALID_CLIENT', async () => {
    const admin = await c.request({
      method: 'POST',
      url: '/v1/links',
      payload: { name: 'x', remoteKind: 'jira', applicationUrl: dc.baseUrl, outgoing: { grantType: 'client_credentials', scopes: ['ADMIN'] } },
    });
    expect(admin.statusCode).toBe(400);
    expect((admin.json() as { error: { issues: unknown[] } }).error.issues).toContainEqual({ path: 'outgoing.scopes.0', message: 'a service account cannot hold "ADMIN"; it may hold READ, WRITE' });
    const { account } = await issue({ scopes: ['READ'], expiresAt: '2020-01-01' });
    const link = await create({
      name: 'expired',
      remoteKind: 'jira',
      applicationUrl: dc.baseUrl,
      outgoing: { clientId: account.clientId, clientSecret: account.clientSecret, grantType: 'client_credentials', secretExpiresAt: '2020-01-01' },
    });
    expect(stageOf(await testLink(c, link.id), 'credentials')).toMatchObject({ status: 'fail', code: 'INVALID_CLIENT' });
  });

  it('a version without service accounts: the sandbox issues none, and the test says SERVICE_ACCOUNTS_UNSUPPORTED', async () => {
    const { account } = await issue({ scopes: ['READ'] });
    await dc.configure({ manifest: { kind: 'jira', version: '11.2.0' } });
    try {
      expect((await issue({ scopes: ['READ'] })).status).toBe(404);
      const link = await create({
        name: 'old',
        remoteKind: 'jira',
        applicationUrl: dc.baseUrl,
        outgoing: { clientId: account.clientId, clientSecret: account.clientSecret, grantType: 'client_credentials' },
      });
      const version = stageOf(await testLink(c, link.id), 'version');
      expect(version).toMatchObject({ status: 'fail', code: 'SERVICE_ACCOUNTS_UNSUPPORTED' });
      expect(version.message).toContain('11.3 or later');
    } finally {
      await dc.configure({ manifest: { kind: 'jira', version: '11.3.0' } });
    }
  });
});
