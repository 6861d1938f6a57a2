import { randomBytes } from 'node:crypto';
import { DIAGNOSTIC_CODES } from '../../../contract';
import { REFRESH_TOKEN_FIELD, tokenOwnerId } from '../../../connector/src/storage/store';
import type { TestConnector } from '../../helpers/connector-app';
import { DEFAULT_REDIRECT_URI } from '../../helpers/oidc-server';
import { createTestDatabase } from '../../helpers/postgres';
import { closedPort, startBlackholePort, startHangingPort, startSandboxDc, type SandboxDc } from '../../helpers/sandbox-dc';
import { itWithTools } from '../../helpers/required-tools';
import { authorize, createLink, PUBLIC_URL, startConnector, stageOf, summary, testLink } from './fixtures';

/**
 * Test connection against the sandbox Data Center, one test per diagnostic code, each produced by
 * a real fault: a name that does not resolve, a closed port, certificates made with openssl, a
 * Jira 11.1 manifest, a wrong client secret, a revoked refresh token, and so on.
 */
const HOUR = 3600_000;
const clock = { t: Date.now() };

let dc: SandboxDc;
let c: TestConnector;

beforeAll(async () => {
  dc = await startSandboxDc({
    clients: {
      dc: { authMethod: 'client_secret_post', grantTypes: ['authorization_code', 'refresh_token'] },
      readOnly: { authMethod: 'client_secret_post', grantTypes: ['authorization_code', 'refresh_token'], scope: 'READ' },
      elsewhere: { authMethod: 'client_secret_post', grantTypes: ['authorization_code', 'refresh_token'], redirectUris: ['https://elsewhere.example.test/oauth/callback'] },
    },
  });
  c = await startConnector({ credentials: { now: () => clock.t } });
});

afterAll(async () => {
  expect(c.watch.leaks()).toEqual([]);
  await c.close();
  await dc.stop();
});

afterEach(async () => {
  // Every test that bends the sandbox puts it back.
  await dc.configure({ manifest: {}, dateSkewMs: 0, apiScope: 'READ', manifestRedirect: null });
});

it('passes every stage against a healthy sandbox', async () => {
  const linkId = await createLink(c, dc, 'dc');
  await authorize(c, dc, linkId);
  const result = await testLink(c, linkId);
  expect(summary(result)).toEqual([
    'url: pass OK',
    'dns: pass OK',
    'tcp: pass OK',
    'tls: skip OK',
    'manifest: pass OK',
    'version: pass OK',
    'clock: pass OK',
    'credentials: pass OK',
    'token: pass OK',
    'api: pass OK',
  ]);
  expect(result.ok).toBe(true);
  expect(stageOf(result, 'manifest').message).toContain('11.2.0');

  // The result stays with the link, with who ran it, and is counted.
  const last = await c.request({ method: 'GET', url: `/v1/links/${linkId}/test` });
  expect(last.statusCode).toBe(200);
  expect(last.json()).toMatchObject({ ok: true, testedAt: result.testedAt, testedBy: 'operator:operator' });
  const metrics = (await c.request({ method: 'GET', url: '/metrics', token: null })).body;
  expect(metrics).toMatch(/applinks_connection_tests_total\{result="ok",code="OK"\} [1-9]/);
});

it('DNS_FAILED: a .invalid host does not resolve, and every later stage is skipped', async () => {
  const linkId = await createLink(c, { baseUrl: 'https://jira.sandbox.invalid' }, null);
  const result = await testLink(c, linkId);
  expect(stageOf(result, 'dns')).toMatchObject({ status: 'fail', code: 'DNS_FAILED', hint: DIAGNOSTIC_CODES.DNS_FAILED.hint });
  expect(result.stages.slice(2).every((s) => s.status === 'skip' && s.code === 'SKIPPED')).toBe(true);
  expect(result.ok).toBe(false);
  const metrics = (await c.request({ method: 'GET', url: '/metrics', token: null })).body;
  expect(metrics).toMatch(/applinks_connection_tests_total\{result="failed",code="DNS_FAILED"\} [1-9]/);
});

it('CONNECTION_REFUSED: nothing listens on the port', async () => {
  const port = await closedPort();
  const linkId = await createLink(c, { baseUrl: `http://127.0.0.1:${port}` }, null);
  expect(stageOf(await testLink(c, linkId), 'tcp')).toMatchObject({ status: 'fail', code: 'CONNECTION_REFUSED' });
});

itWithTools('python3')('CONNECT_TIMEOUT: an unreachable host fails within the connect timeout plus one second', async () => {
  // A port that drops connection attempts (python3 helper); skipped, with the reason, without python3.
  const blackhole = await startBlackholePort();
  try {
    const linkId = await createLink(c, { baseUrl: blackhole.url }, null);
    const result = await testLink(c, linkId);
    // The port never completes a connection: only the connect limit can end this stage.
    expect(stageOf(result, 'tcp')).toMatchObject({ status: 'fail', code: 'CONNECT_TIMEOUT' });
  } finally {
    await blackhole.close();
  }
});

it('TIMEOUT: a port that accepts and never answers fails the manifest stage within its limit', async () => {
  const hanging = await startHangingPort();
  try {
    const linkId = await createLink(c, { baseUrl: hanging.url }, null);
    const result = await testLink(c, linkId);
    expect(stageOf(result, 'tcp').status).toBe('pass');
    // The port never answers: the manifest stage ends at its own limit, and says which.
    expect(stageOf(result, 'manifest')).toMatchObject({ status: 'fail', code: 'TIMEOUT' });
    expect(stageOf(result, 'manifest').message).toMatch(/ 2000 ms\.$/);
  } finally {
    await hanging.close();
  }
});

it('bounds the whole test: when its time is spent, the stage running fails with TIMEOUT', async () => {
  const hanging = await startHangingPort();
  const short = await startConnector({ watch: c.watch, discovery: { testTimeouts: { connectMs: 1_000, stageMs: 5_000, totalMs: 500 } } });
  try {
    const linkId = await createLink(short, { baseUrl: hanging.url }, null);
    const result = await testLink(short, linkId);
    expect(stageOf(result, 'manifest')).toMatchObject({ status: 'fail', code: 'TIMEOUT' });
    // The stage's own limit is 5 s; the budget it was given is what was left of the whole test's 500 ms.
    expect(Number(/(\d+) ms\.$/.exec(stageOf(result, 'manifest').message)?.[1])).toBeLessThanOrEqual(500);
    expect(stageOf(result, 'api')).toMatchObject({ status: 'skip', code: 'SKIPPED' });
  } finally {
    await short.close();
    await hanging.close();
  }
});

it('TLS_FAILED: https to a port that speaks plain http', async () => {
  const linkId = await createLink(c, { baseUrl: dc.baseUrl.replace('http:', 'https:') }, null);
  expect(stageOf(await testLink(c, linkId), 'tls')).toMatchObject({ status: 'fail', code: 'TLS_FAILED' });
});

describe('certificates made with openssl', () => {
  const maybe = itWithTools('openssl');

  maybe('TLS_CERT_UNTRUSTED: a self-signed certificate', async () => {
    const https = await startSandboxDc({ tls: 'self-signed' });
    try {
      const linkId = await createLink(c, https, null);
      expect(stageOf(await testLink(c, linkId), 'tls')).toMatchObject({ status: 'fail', code: 'TLS_CERT_UNTRUSTED' });
    } finally {
      await https.stop();
    }
  });

  maybe('TLS_HOSTNAME_MISMATCH: a trusted certificate for 127.0.0.1 reached by another name; by its own name, TLS passes', async () => {
    const https = await startSandboxDc({ tls: 'self-signed' });
    const trusting = await startConnector({
      watch: c.watch,
      env: { CONNECTOR_ALLOWED_HOSTS: '127.0.0.1,jira.sandbox.test' },
      discovery: { ca: [https.certificate!], resolve: async () => [{ address: '127.0.0.1', family: 4 }] },
    });
    try {
      const byName = await createLink(trusting, { baseUrl: https.baseUrl.replace('127.0.0.1', 'jira.sandbox.test') }, null);
      expect(stageOf(await testLink(trusting, byName), 'tls')).toMatchObject({ status: 'fail', code: 'TLS_HOSTNAME_MISMATCH' });
      const byAddress = await createLink(trusting, https, null);
      const result = await testLink(trusting, byAddress);
      expect(stageOf(result, 'tls').status).toBe('pass');
      expect(stageOf(result, 'manifest').status).toBe('pass');
    } finally {
      await trusting.close();
      await https.stop();
    }
  });

  maybe('TLS_CERT_EXPIRED: a certificate that expired in 2020', async () => {
    const https = await startSandboxDc({ tls: 'expired' });
    try {
      const linkId = await createLink(c, https, null);
      expect(stageOf(await testLink(c, linkId), 'tls')).toMatchObject({ status: 'fail', code: 'TLS_CERT_EXPIRED' });
    } finally {
      await https.stop();
    }
  });
});

it('NOT_ATLASSIAN: the URL serves no applinks manifest', async () => {
  await dc.configure({ manifest: null });
  const linkId = await createLink(c, dc, null);
  expect(stageOf(await testLink(c, linkId), 'manifest')).toMatchObject({ status: 'fail', code: 'NOT_ATLASSIAN' });
});

it('URL_REDIRECTED: the manifest redirects, and the test says where (without following)', async () => {
  await dc.configure({ manifestRedirect: 'https://jira.example.test/rest/applinks/1.0/manifest' });
  const linkId = await createLink(c, dc, null);
  const manifest = stageOf(await testLink(c, linkId), 'manifest');
  expect(manifest).toMatchObject({ status: 'fail', code: 'URL_REDIRECTED' });
  expect(manifest.message).toContain('https://jira.example.test/');
});

it('KIND_MISMATCH: a Confluence link pointed at Jira', async () => {
  const linkId = await createLink(c, dc, null, { remoteKind: 'confluence', name: 'Confluence?' });
  const manifest = stageOf(await testLink(c, linkId), 'manifest');
  expect(manifest).toMatchObject({ status: 'fail', code: 'KIND_MISMATCH' });
  expect(manifest.message).toContain('Jira Data Center');
});

it('VERSION_UNSUPPORTED: Jira 11.1 has no OAuth 2.0 application links', async () => {
  await dc.configure({ manifest: { kind: 'jira', version: '11.1.0' } });
  const linkId = await createLink(c, dc, 'dc');
  const result = await testLink(c, linkId);
  expect(stageOf(result, 'version')).toMatchObject({ status: 'fail', code: 'VERSION_UNSUPPORTED' });
  expect(stageOf(result, 'version').message).toContain('11.2');
});

it('an outgoing-only link to Jira 11.1 is tested for what it is: reachable, which application, the version as information', async () => {
  await dc.configure({ manifest: { kind: 'jira', version: '11.1.0' } });
  const linkId = await createLink(c, dc, 'dc', { authKind: 'none', outgoing: undefined });
  const result = await testLink(c, linkId);
  expect(result.ok).toBe(true);
  expect(stageOf(result, 'manifest').status).toBe('pass');
  expect(stageOf(result, 'version')).toMatchObject({ status: 'pass', code: 'OK' });
  expect(stageOf(result, 'version').message).toMatch(/11\.1\.0.*for information.*11\.2/);
});

it('DISPLAY_URL_MISMATCH: the remote believes it lives elsewhere (a warning; later stages still run)', async () => {
  await dc.configure({ manifest: { kind: 'jira', displayUrl: 'https://jira.example.test' } });
  const linkId = await createLink(c, dc, 'dc');
  const result = await testLink(c, linkId);
  expect(stageOf(result, 'version')).toMatchObject({ status: 'warn', code: 'DISPLAY_URL_MISMATCH' });
  expect(stageOf(result, 'credentials').status).toBe('pass');
});

it('CLOCK_SKEW: the remote is five minutes ahead', async () => {
  await dc.configure({ dateSkewMs: 5 * 60_000 });
  const linkId = await createLink(c, dc, 'dc');
  const result = await testLink(c, linkId);
  expect(stageOf(result, 'clock')).toMatchObject({ status: 'warn', code: 'CLOCK_SKEW' });
  expect(stageOf(result, 'clock').message).toMatch(/(29\d|30\d) s ahead/);
});

it('CREDENTIALS_MISSING: no client ID or secret entered yet', async () => {
  const linkId = await createLink(c, dc, null);
  expect(stageOf(await testLink(c, linkId), 'credentials')).toMatchObject({ status: 'fail', code: 'CREDENTIALS_MISSING' });
});

it('INVALID_CLIENT: a wrong client secret', async () => {
  const client = dc.clients.dc!;
  const wrong = c.watch.secret(`${client.clientSecret.slice(0, -4)}XXXX`);
  const linkId = await createLink(c, dc, null, { outgoing: { clientId: client.clientId, clientSecret: wrong, scopes: ['READ'] } });
  const credentials = stageOf(await testLink(c, linkId), 'credentials');
  expect(credentials).toMatchObject({ status: 'fail', code: 'INVALID_CLIENT', hint: DIAGNOSTIC_CODES.INVALID_CLIENT.hint });
});

it('REDIRECT_URI_MISMATCH: the remote has a different redirect URI registered, and the hint names ours', async () => {
  const linkId = await createLink(c, dc, 'elsewhere');
  const credentials = stageOf(await testLink(c, linkId), 'credentials');
  expect(credentials).toMatchObject({ status: 'fail', code: 'REDIRECT_URI_MISMATCH' });
  expect(credentials.hint).toContain(`${PUBLIC_URL}/oauth/callback`);
  expect(credentials.hint).toContain('Application links');
  expect(DEFAULT_REDIRECT_URI).toBe(`${PUBLIC_URL}/oauth/callback`);
});

it('INVALID_SCOPE: the link asks for a scope the remote\'s incoming link does not allow', async () => {
  const linkId = await createLink(c, dc, 'readOnly', { outgoing: { clientId: dc.clients.readOnly!.clientId, clientSecret: dc.clients.readOnly!.clientSecret, scopes: ['WRITE'] } });
  expect(stageOf(await testLink(c, linkId), 'credentials')).toMatchObject({ status: 'fail', code: 'INVALID_SCOPE' });
});

it('TOKEN_ENDPOINT_ERROR: the token endpoint answers with a proxy error page', async () => {
  const linkId = await createLink(c, dc, 'dc');
  await dc.misbehave('html-502');
  expect(stageOf(await testLink(c, linkId), 'credentials')).toMatchObject({ status: 'fail', code: 'TOKEN_ENDPOINT_ERROR' });
});

it('NEEDS_AUTHORIZATION: good credentials, never authorized', async () => {
  const linkId = await createLink(c, dc, 'dc');
  const result = await testLink(c, linkId);
  expect(stageOf(result, 'credentials').status).toBe('pass');
  expect(stageOf(result, 'token')).toMatchObject({ status: 'fail', code: 'NEEDS_AUTHORIZATION' });
  expect(stageOf(result, 'api')).toMatchObject({ status: 'skip', code: 'SKIPPED' });
});

it('INVALID_GRANT: the refresh token was revoked (used twice outside the connector)', async () => {
  const linkId = await createLink(c, dc, 'dc');
  await authorize(c, dc, linkId);
  const stored = await c.store.tokens.get(linkId, '');
  const refreshToken = c.watch.secret(await c.vault.open(tokenOwnerId(linkId, ''), REFRESH_TOKEN_FIELD, stored!.refreshToken!));
  const client = dc.clients.dc!;
  const refresh = () =>
    fetch(dc.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: client.clientId, client_secret: client.clientSecret, redirect_uri: DEFAULT_REDIRECT_URI }),
    });
  expect((await refresh()).status).toBe(200);
  expect((await refresh()).status).toBe(400); // reuse: the provider revokes the grant
  clock.t += HOUR + 1_000; // the access token is due, so the connector must refresh
  try {
    const result = await testLink(c, linkId);
    expect(stageOf(result, 'token')).toMatchObject({ status: 'fail', code: 'INVALID_GRANT' });
  } finally {
    clock.t = Date.now();
  }
});

it('TOKEN_REJECTED: the access token was revoked at the remote', async () => {
  const linkId = await createLink(c, dc, 'dc');
  await authorize(c, dc, linkId);
  const stored = await c.store.tokens.get(linkId, '');
  const accessToken = c.watch.secret(await c.vault.open(tokenOwnerId(linkId, ''), 'accessToken', stored!.accessToken));
  const client = dc.clients.dc!;
  const revoked = await fetch(dc.revocationEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: accessToken, token_type_hint: 'access_token', client_id: client.clientId, client_secret: client.clientSecret }),
  });
  expect(revoked.status).toBe(200);
  const result = await testLink(c, linkId);
  expect(stageOf(result, 'token').status).toBe('pass');
  expect(stageOf(result, 'api')).toMatchObject({ status: 'fail', code: 'TOKEN_REJECTED' });
});

it('INSUFFICIENT_SCOPE: the token lacks the scope the API needs', async () => {
  await dc.configure({ apiScope: 'WRITE' });
  const linkId = await createLink(c, dc, 'dc');
  await authorize(c, dc, linkId);
  const api = stageOf(await testLink(c, linkId), 'api');
  expect(api).toMatchObject({ status: 'fail', code: 'INSUFFICIENT_SCOPE' });
  expect(api.message).toContain('WRITE');
});

it('API_ERROR: the API probe URL answers 404', async () => {
  const linkId = await createLink(c, dc, 'dc', {});
  await c.request({ method: 'PATCH', url: `/v1/links/${linkId}`, payload: { outgoing: { apiProbeUrl: `${dc.baseUrl}/rest/api/2/nowhere` } } });
  await authorize(c, dc, linkId);
  expect(stageOf(await testLink(c, linkId), 'api')).toMatchObject({ status: 'fail', code: 'API_ERROR' });
});

it('HOST_NOT_ALLOWED: a public-looking name that resolves to 127.0.0.1 is refused before connecting', async () => {
  const other = await startConnector({
    watch: c.watch,
    discovery: { resolve: async () => [{ address: '127.0.0.1', family: 4 }] },
  });
  try {
    const linkId = await createLink(other, { baseUrl: 'https://jira.example.test' }, null);
    const result = await testLink(other, linkId);
    expect(stageOf(result, 'dns')).toMatchObject({ status: 'fail', code: 'HOST_NOT_ALLOWED' });
    expect(stageOf(result, 'tcp').code).toBe('SKIPPED');
  } finally {
    await other.close();
  }
});

it('URL_INSECURE and HOST_NOT_ALLOWED: the operator took the host out of CONNECTOR_ALLOWED_HOSTS after the links were made', async () => {
  const db = await createTestDatabase();
  const masterKey = randomBytes(32);
  const before = await startConnector({ dialect: 'postgres', databaseUrl: db.url, masterKey, watch: c.watch, env: { CONNECTOR_ALLOWED_HOSTS: '127.0.0.1,jira.sandbox.test' } });
  const after = await startConnector({ dialect: 'postgres', databaseUrl: db.url, masterKey, watch: c.watch, env: { CONNECTOR_ALLOWED_HOSTS: '' } });
  try {
    const plain = await createLink(before, { baseUrl: 'http://jira.sandbox.test:8080' }, null);
    const internal = await createLink(before, dc, null);
    const insecure = await testLink(after, plain);
    expect(stageOf(insecure, 'url')).toMatchObject({ status: 'fail', code: 'URL_INSECURE' });
    expect(stageOf(insecure, 'dns').code).toBe('SKIPPED');
    expect(stageOf(await testLink(after, internal), 'url')).toMatchObject({ status: 'fail', code: 'HOST_NOT_ALLOWED' });
  } finally {
    await after.close();
    await before.close();
    await db.drop();
  }
});

it('answers 404 for the last test of a link never tested, and for an unknown link', async () => {
  const linkId = await createLink(c, dc, null);
  expect((await c.request({ method: 'GET', url: `/v1/links/${linkId}/test` })).statusCode).toBe(404);
  expect((await c.request({ method: 'POST', url: '/v1/links/00000000-0000-4000-8000-000000000000/test' })).statusCode).toBe(404);
});

it('keeps the last result with the link on PostgreSQL as well', async () => {
  const pg = await startConnector({ dialect: 'postgres', watch: c.watch });
  try {
    const linkId = await createLink(pg, dc, 'dc');
    await authorize(pg, dc, linkId);
    const result = await testLink(pg, linkId);
    expect(result.ok).toBe(true);
    const last = await pg.request({ method: 'GET', url: `/v1/links/${linkId}/test` });
    expect(last.json()).toMatchObject({ ok: true, testedAt: result.testedAt, testedBy: 'operator:operator' });
  } finally {
    await pg.close();
  }
});
