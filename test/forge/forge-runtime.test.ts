import { asUser } from '@forge/api';
import type { AuditPage, ConnectorStatusView, ForgeLinkView, LinkPage, ResolverResponse } from '../../contract';
import { jiraAdminCheck } from '../../src/permissions/jira-admin-check';
import { MemoryKeyValueStore } from '../../preview/memory-key-value-store';
import { resolver } from '../../src/index';
import { FakeConnector } from './helpers/fake-connector';
import { fakeKvsService, installForgeFetch, type ForgeFetchCall } from './helpers/fake-forge-runtime';

/**
 * The app as deployed: the handlers `src/index.ts` exports, wired to the real `@forge/api`
 * (asUser().requestJira, invokeRemote) and `@forge/kvs` packages. Only the platform underneath
 * (`global.__forge_fetch__`) is a stand-in, so this checks what the app actually sends to Jira,
 * to the connector remote and to storage.
 */

const ACCOUNT = '5b10a2844c20165700ede21g';
let calls: ForgeFetchCall[];
let uninstall: () => void;
let connector: FakeConnector;
let backing: MemoryKeyValueStore;
let jira: { status: number; body: unknown };
let remoteProxyError: string | undefined;
/** What the production logger printed (Forge keeps console output as the app's log). */
let printed: string[];

beforeEach(() => {
  printed = [];
  for (const level of ['log', 'warn', 'error'] as const) {
    jest.spyOn(console, level).mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(' ')));
  }
  connector = new FakeConnector();
  backing = new MemoryKeyValueStore();
  jira = { status: 200, body: { permissions: { ADMINISTER: { key: 'ADMINISTER', havePermission: true } } } };
  remoteProxyError = undefined;
  const installed = installForgeFetch({
    kvs: fakeKvsService(backing),
    fpp: () => new Response(JSON.stringify(jira.body), { status: jira.status, headers: { 'content-type': 'application/json' } }),
    frc: async (call) => {
      if (remoteProxyError !== undefined) return new Response('', { status: 502, headers: { 'forge-proxy-error': remoteProxyError } });
      const reply = await connector.invoke({ path: call.path, method: call.method as 'GET', headers: call.headers, ...(call.rawBody === undefined ? {} : { body: call.rawBody }) });
      const text = await reply.text();
      return new Response(reply.status === 204 ? null : text, { status: reply.status });
    },
  });
  calls = installed.calls;
  uninstall = installed.uninstall;
});
afterEach(() => {
  uninstall();
  jest.restoreAllMocks();
});

const invoke = async <T>(functionKey: string, payload: unknown): Promise<ResolverResponse<T>> =>
  (await resolver({ call: { functionKey, payload }, context: {} }, { principal: { accountId: ACCOUNT } })) as ResolverResponse<T>;

describe('the deployed handlers on the real Forge packages', () => {
  it('asks Jira as the user for ADMINISTER, then creates the link through the connector remote and stores it in kvs', async () => {
    const result = await invoke<ForgeLinkView>('createLink', {
      name: 'Jira DC',
      remoteKind: 'jira',
      applicationUrl: 'https://jira.example.com',
      outgoing: { clientId: 'cid', clientSecret: 'secret-typed-by-the-admin-0001' },
    });
    expect(result.success).toBe(true);
    const [permissionCall, ...rest] = calls;
    expect(permissionCall).toMatchObject({ target: { type: 'fpp', provider: 'user', remote: 'jira' }, path: '/rest/api/3/mypermissions?permissions=ADMINISTER' });
    const remoteCall = rest.find((c) => c.target.type === 'frc');
    expect(remoteCall).toMatchObject({ target: { type: 'frc', remote: 'connector' }, path: '/v1/links', method: 'POST', headers: { 'content-type': 'application/json' } });
    expect(remoteCall?.body).toMatchObject({ outgoing: { clientSecret: 'secret-typed-by-the-admin-0001' } });
    expect(rest.filter((c) => c.target.type === 'kvs').map((c) => c.path)).toEqual(expect.arrayContaining(['/api/v1/set']));
    expect(JSON.stringify(backing.dump())).not.toContain('secret-typed-by-the-admin-0001');

    const list = await invoke<LinkPage>('listLinks', {});
    expect(list).toMatchObject({ success: true, data: { total: 1, items: [{ name: 'Jira DC' }] } });
    await invoke('createLink', { name: 'x', remoteKind: 'jira', applicationUrl: 'nope', outgoing: { clientSecret: 'secret-typed-by-the-admin-0001' } });
    expect(printed.length).toBeGreaterThan(0);
    expect(printed.join('\n')).not.toContain('secret-typed-by-the-admin-0001');
  });

  it("shows the audit log's actors by display name, asked of Jira's user API as the user", async () => {
    // One body answers both Jira calls: the permission check reads `permissions`, the user API `values`.
    jira = { status: 200, body: { permissions: { ADMINISTER: { key: 'ADMINISTER', havePermission: true } }, values: [{ accountId: ACCOUNT, displayName: 'Ada Admin' }] } };
    expect((await invoke('createLink', { name: 'Jira DC', remoteKind: 'jira', applicationUrl: 'https://jira.example.com' })).success).toBe(true);
    const page = await invoke<AuditPage>('listAuditLog', {});
    expect(page).toMatchObject({ success: true, data: { items: [{ actorAccountId: ACCOUNT, actorDisplayName: 'Ada Admin' }] } });
    const lookup = calls.find((c) => c.path.startsWith('/rest/api/3/user/bulk'));
    expect(lookup).toMatchObject({ target: { type: 'fpp', provider: 'user', remote: 'jira' }, path: `/rest/api/3/user/bulk?maxResults=1&accountId=${ACCOUNT}` });
  });

  it('answers 403 when Jira says the user lacks ADMINISTER, and calls nothing else', async () => {
    jira = { status: 200, body: { permissions: { ADMINISTER: { key: 'ADMINISTER', havePermission: false } } } };
    expect(await invoke('listLinks', {})).toMatchObject({ success: false, status: 403, errors: [{ code: 'FORBIDDEN' }] });
    expect(calls.map((c) => c.target.type)).toEqual(['fpp']);
  });

  it('reports a remote Forge cannot reach (a proxy error from invokeRemote) as CONNECTOR_UNREACHABLE', async () => {
    remoteProxyError = 'INVALID_REMOTE';
    expect(await invoke<ConnectorStatusView>('getConnectorStatus', {})).toMatchObject({ success: true, data: { reachable: false, problem: { code: 'CONNECTOR_UNREACHABLE' } } });
  });
});

describe('Jira admin check', () => {
  const check = () => jiraAdminCheck((path) => asUser().requestJira(path));

  it('is false when Jira refuses the user (401/403)', async () => {
    jira = { status: 403, body: { errorMessages: ['no'] } };
    expect(await check().isJiraAdministrator()).toBe(false);
  });

  it('fails rather than guesses when Jira errs or answers in an unknown shape', async () => {
    jira = { status: 500, body: {} };
    await expect(check().isJiraAdministrator()).rejects.toMatchObject({ code: 'ADMIN_CHECK_FAILED' });
    jira = { status: 200, body: { permissions: {} } };
    await expect(check().isJiraAdministrator()).rejects.toMatchObject({ code: 'ADMIN_CHECK_FAILED' });
  });
});
