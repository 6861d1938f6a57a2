import { REMOTE_PRESETS } from '../../../contract';
import type { TestConnector } from '../../helpers/connector-app';
import { startSandboxDc, type SandboxDc } from '../../helpers/sandbox-dc';
import { startConnector, stageOf, summary, testLink } from './fixtures';

/**
 * The Bitbucket Cloud kind (Jira's DVCS consumer, seed 002): a private consumer gets tokens with
 * client credentials (its key and secret in an HTTP Basic header). The sandbox plays
 * bitbucket.org: its token endpoint and a user endpoint, with Bitbucket Cloud's scope names.
 */
const DVCS_SCOPES = ['account:write', 'repository:admin', 'pullrequest', 'webhook'];

let cloud: SandboxDc;
let c: TestConnector;

beforeAll(async () => {
  cloud = await startSandboxDc({
    scopes: ['account', ...DVCS_SCOPES],
    clients: { consumer: { authMethod: 'client_secret_basic', grantTypes: ['client_credentials'], scope: DVCS_SCOPES.join(' ') } },
    settings: { apiScope: 'account:write' },
  });
  c = await startConnector();
});
afterAll(async () => {
  expect(c.watch.leaks()).toEqual([]);
  await c.close();
  await cloud.stop();
});

async function createConsumerLink(): Promise<string> {
  const consumer = cloud.clients.consumer!;
  c.watch.secret(consumer.clientSecret);
  const res = await c.request({
    method: 'POST',
    url: '/v1/links',
    payload: {
      name: 'Bitbucket Cloud (DVCS)',
      remoteKind: 'bitbucket-cloud',
      applicationUrl: cloud.baseUrl,
      outgoing: {
        clientId: consumer.clientId,
        clientSecret: consumer.clientSecret,
        tokenEndpoint: cloud.tokenEndpoint,
        authorizationEndpoint: cloud.authorizationEndpoint,
        apiProbeUrl: `${cloud.baseUrl}/rest/api/2/myself`,
      },
    },
  });
  expect(res.statusCode).toBe(201);
  const link = res.json() as { id: string; outgoing: { grantType: string; scopes: string[] } };
  // The preset's defaults: client credentials, and the permissions Jira's DVCS needs, by scope name.
  expect(link.outgoing).toMatchObject({ grantType: 'client_credentials', scopes: DVCS_SCOPES });
  return link.id;
}

it('a private consumer passes with client credentials; no manifest is asked for', async () => {
  const linkId = await createConsumerLink();
  const result = await testLink(c, linkId);
  expect(summary(result)).toEqual([
    'url: pass OK',
    'dns: pass OK',
    'tcp: pass OK',
    'tls: skip OK',
    'manifest: skip OK',
    'version: skip OK',
    'clock: skip OK',
    'credentials: pass OK',
    'token: pass OK',
    'api: pass OK',
  ]);
  expect((await cloud.counts()).client_credentials).toBeGreaterThan(0);
  expect((await cloud.lastTokenRequest())?.authorizationScheme).toBe('Basic');
});

it('says clearly when the consumer has no callback URL (it is then not an OAuth 2.0 consumer), listing the permissions', async () => {
  const linkId = await createConsumerLink();
  await cloud.misbehave('no-callback');
  const credentials = stageOf(await testLink(c, linkId), 'credentials');
  expect(credentials).toMatchObject({ status: 'fail', code: 'INVALID_CLIENT' });
  expect(credentials.message).toContain('no callback URL');
  expect(credentials.hint).toContain('callback URL');
  for (const permission of ['Account: Write', 'Repositories: Admin', 'Pull requests: Read', 'Webhooks: Read and write']) expect(credentials.hint).toContain(permission);
  expect(REMOTE_PRESETS['bitbucket-cloud'].defaultScopes).toEqual(DVCS_SCOPES);
});

it('INVALID_CLIENT: a wrong consumer secret', async () => {
  const consumer = cloud.clients.consumer!;
  const wrong = c.watch.secret(`${consumer.clientSecret}-old`);
  const res = await c.request({
    method: 'POST',
    url: '/v1/links',
    payload: {
      name: 'Bitbucket Cloud (old secret)',
      remoteKind: 'bitbucket-cloud',
      applicationUrl: cloud.baseUrl,
      outgoing: { clientId: consumer.clientId, clientSecret: wrong, tokenEndpoint: cloud.tokenEndpoint, authorizationEndpoint: cloud.authorizationEndpoint },
    },
  });
  const linkId = (res.json() as { id: string }).id;
  expect(stageOf(await testLink(c, linkId), 'credentials')).toMatchObject({ status: 'fail', code: 'INVALID_CLIENT' });
});
