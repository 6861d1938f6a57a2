/**
 * Forecasts: what expires when, with the source of each date; `link.expiring` at the 30/14/7/1-day
 * thresholds once; and, end to end, a remote whose certificate expires in 10 days raises the
 * forecast, the metric and one announcement.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { LinkEventSchema } from '../../../contract';
import { TokenCache } from '../../../connector/src/credentials/cache';
import { DEFAULT_REFRESH_POLICY } from '../../../connector/src/credentials/refresh-policy';
import { TokenWriter } from '../../../connector/src/credentials/token-writer';
import { crossedThreshold } from '../../../connector/src/monitoring/forecasts-announcer';
import { computeForecasts } from '../../../connector/src/monitoring/forecasts';
import { processTokenResponse } from '../../../connector/src/oauth/token-response';
import type { TokenRecord } from '../../../connector/src/storage/store';
import type { TestConnector } from '../../helpers/connector-app';
import { describeWithTools } from '../../helpers/required-tools';
import { link } from '../storage/fixtures';
import { createLink, startConnector, stageOf, testLink } from '../discovery/fixtures';
import { startReceiver } from './receiver';

const DAY = 86_400_000;

function token(changes: Partial<TokenRecord> = {}): TokenRecord {
  return {
    linkId: 'a',
    subject: '',
    tokenType: 'Bearer',
    scopes: [],
    obtainedAt: '2026-01-01T00:00:00.000Z',
    expiresAt: '2026-01-01T01:00:00.000Z',
    refreshAt: '2026-01-01T00:55:00.000Z',
    hasRefreshToken: true,
    state: 'valid',
    failureCount: 0,
    nextAttemptAt: null,
    lastErrorCode: null,
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...changes,
  };
}

describe('forecasts', () => {
  it('lists every kind soonest first, each with where its date comes from', () => {
    const record = link('a', undefined, { outgoing: { ...link('a').outgoing, secretExpiresAt: '2026-02-01' } });
    const forecasts = computeForecasts({ link: record, token: token(), certificate: { linkId: 'a', host: 'jira.example.com', validTo: '2026-01-20T00:00:00.000Z', observedAt: '2026-01-02T00:00:00.000Z' } });
    expect(forecasts).toEqual([
      { kind: 'tls-certificate', expiresAt: '2026-01-20T00:00:00.000Z', source: expect.stringContaining('certificate of jira.example.com') },
      // A date means the end of that day: the secret still works on it.
      { kind: 'client-secret', expiresAt: '2026-02-01T23:59:59.999Z', source: 'entered with the client secret' },
      // Data Center: 90 days from the last refresh.
      { kind: 'refresh-token', expiresAt: '2026-04-01T00:00:00.000Z', source: expect.stringContaining('90 days') },
    ]);
  });

  it('calls a client-credentials credential of a Data Center link a service account, and of other kinds a client secret', () => {
    const outgoing = { ...link('a').outgoing, grantType: 'client_credentials' as const, secretExpiresAt: '2026-03-01T00:00:00.000Z' };
    expect(computeForecasts({ link: link('a', undefined, { outgoing }), token: null, certificate: null })[0]).toMatchObject({ kind: 'service-account', source: 'entered with the service account credential' });
    expect(computeForecasts({ link: link('a', undefined, { remoteKind: 'microsoft', outgoing }), token: null, certificate: null })[0]?.kind).toBe('client-secret');
  });

  it('prefers the refresh token expiry the provider stated, falls back to the documented lifetime, and has none without one', () => {
    const stated = computeForecasts({ link: link('a', undefined, { remoteKind: 'custom' }), token: token({ refreshExpiresAt: '2026-01-15T00:00:00.000Z' }), certificate: null });
    expect(stated).toEqual([{ kind: 'refresh-token', expiresAt: '2026-01-15T00:00:00.000Z', source: 'refresh_token_expires_in in the token response' }]);
    expect(computeForecasts({ link: link('a', undefined, { remoteKind: 'bitbucket-cloud' }), token: token(), certificate: null })[0]?.expiresAt).toBe('2026-04-01T00:00:00.000Z');
    expect(computeForecasts({ link: link('a', undefined, { remoteKind: 'custom' }), token: token(), certificate: null })).toEqual([]);
    expect(computeForecasts({ link: link('a'), token: token({ hasRefreshToken: false }), certificate: null })).toEqual([]);
    expect(computeForecasts({ link: link('a'), token: token({ state: 'needs-reauthorization' }), certificate: null })).toEqual([]);
  });

  it('reads refresh_token_expires_in from a token response, counted from when the request was sent', () => {
    const base = { operation: 'refresh_token' as const, endpoint: 'https://x/token', httpStatus: 200, sentAt: Date.parse('2026-01-01T00:00:00.000Z'), requestedScopes: [], defaultAccessTokenSeconds: 3600, secrets: [] };
    const withExpiry = processTokenResponse({ ...base, body: { access_token: 'a', refresh_token: 'r', refresh_token_expires_in: 86_400 } });
    expect(withExpiry.refreshTokenExpiresAt?.toISOString()).toBe('2026-01-02T00:00:00.000Z');
    expect(processTokenResponse({ ...base, body: { access_token: 'a', refresh_token: 'r' } }).refreshTokenExpiresAt).toBeUndefined();
    expect(processTokenResponse({ ...base, body: { access_token: 'a', refresh_token: 'r', refresh_token_expires_in: 'soon' } }).refreshTokenExpiresAt).toBeUndefined();
    expect(processTokenResponse({ ...base, body: { access_token: 'a', refresh_token_expires_in: 86_400 } }).refreshTokenExpiresAt).toBeUndefined();
  });

  it('keeps the stated refresh token expiry with the stored credential, where the link forecasts it', async () => {
    const c = await startConnector();
    try {
      const id = await createLink(c, { baseUrl: 'https://jira.example.com' }, null);
      // A Data Center link (documented lifetime 90 days) whose provider stated 7: the stated date wins.
      const record = (await c.store.links.get(id))!;
      const writer = new TokenWriter({ store: c.store, vault: c.vault, cache: new TokenCache(), policy: DEFAULT_REFRESH_POLICY, now: () => Date.parse('2026-01-01T00:00:00.000Z'), random: () => 0.5 });
      const base = { operation: 'authorization_code' as const, endpoint: 'https://x/token', httpStatus: 200, sentAt: Date.parse('2026-01-01T00:00:00.000Z'), requestedScopes: [], defaultAccessTokenSeconds: 3600, secrets: [] };
      await writer.storeNew(record, '', processTokenResponse({ ...base, body: { access_token: 'at-1', refresh_token: 'rt-1', refresh_token_expires_in: 7 * 86_400 } }));
      expect(await c.app.connector.alerts.forecasts.forecasts(id)).toEqual([{ kind: 'refresh-token', expiresAt: '2026-01-08T00:00:00.000Z', source: 'refresh_token_expires_in in the token response' }]);
    } finally {
      await c.close();
    }
  });

  it('announces at the tightest threshold crossed: 30, 14, 7 and 1 days', () => {
    expect([45, 31, 30, 15, 14, 9, 7, 2, 1, 0, -3].map(crossedThreshold)).toEqual([null, null, 30, 30, 14, 14, 7, 7, 1, 1, 1]);
  });
});

describeWithTools('openssl')('a remote whose certificate expires in 10 days', () => {
  let connector: TestConnector;
  let server: https.Server | undefined;
  let baseUrl: string;
  let certificate: string;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'forecast-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '10', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { cwd: dir, stdio: 'ignore' });
    certificate = readFileSync(path.join(dir, 'cert.pem'), 'utf8');
    server = https.createServer({ key: readFileSync(path.join(dir, 'key.pem')), cert: certificate }, (_request, response) => response.writeHead(404).end());
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    connector = await startConnector({ discovery: { ca: [certificate] }, alerts: { webhooks: { retryScheduleMs: [0] } } });
  }, 30_000);

  afterAll(async () => {
    await connector?.close();
    await new Promise((resolve) => (server === undefined ? resolve(undefined) : server.close(resolve)));
    rmSync(dir, { recursive: true, force: true });
  });

  it('raises the forecast, the metric and one link.expiring event at the 14-day threshold', async () => {
    const receiver = await startReceiver();
    try {
      const { signingSecret } = (await connector.request({ method: 'POST', url: '/v1/webhooks', payload: { url: receiver.url, events: ['link.expiring'] } })).json() as { signingSecret: string };
      const id = await createLink(connector, { baseUrl }, null, { outgoing: { scopes: ['READ'], clientId: 'c', clientSecret: 'a-secret-long-enough-to-fingerprint', secretExpiresAt: '2099-01-01' } });
      const result = await testLink(connector, id);
      const tls = stageOf(result, 'tls');
      expect(tls).toMatchObject({ status: 'pass' });
      const validTo = Date.parse(tls.certificateValidTo!);
      expect(validTo - Date.now()).toBeGreaterThan(9 * DAY);
      expect(validTo - Date.now()).toBeLessThan(10 * DAY + 60_000);
      // The stage carries the date, never the certificate.
      expect(JSON.stringify(result)).not.toContain('BEGIN CERTIFICATE');

      const forecasts = await connector.app.connector.alerts.forecasts.forecasts(id);
      expect(forecasts.map((f) => f.kind)).toEqual(['tls-certificate', 'client-secret']);
      expect(forecasts[0]).toEqual({ kind: 'tls-certificate', expiresAt: new Date(validTo).toISOString(), source: expect.stringContaining(`certificate of ${new URL(baseUrl).host}`) });

      const metrics = await connector.request({ method: 'GET', url: '/metrics', token: null });
      const line = metrics.body.split('\n').find((l) => l.startsWith('applinks_link_expiry_timestamp_seconds{') && l.includes(`link_id="${id}"`) && l.includes('kind="tls-certificate"'));
      expect(Number(line?.split(' ').pop())).toBe(Math.floor(validTo / 1000));
      expect(metrics.body).toContain(`applinks_link_up{link_id="${id}",link_name="Sandbox (no client)",remote_kind="jira"} 0`);
      expect(metrics.body).toMatch(/applinks_link_metrics_collect_seconds \d/);

      expect(await connector.app.connector.alerts.announcer.scan()).toBe(1);
      expect(await connector.app.connector.alerts.announcer.scan()).toBe(0);
      await connector.app.connector.alerts.dispatcher.runOnce();
      expect(receiver.received).toHaveLength(1);
      const event = LinkEventSchema.parse(new Webhook(signingSecret).verify(receiver.received[0]!.body, receiver.received[0]!.headers as Record<string, string>));
      expect(event).toMatchObject({ type: 'link.expiring', data: { linkId: id, expiry: { kind: 'tls-certificate', daysLeft: 9 } } });
      expect(receiver.received[0]!.body).not.toContain('a-secret-long-enough');
    } finally {
      await receiver.close();
    }
  });
});
