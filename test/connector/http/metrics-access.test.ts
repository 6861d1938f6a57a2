import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConfigError, loadConfig } from '../../../connector/src/config';
import { ADMIN_TOKEN, startTestConnector, type TestConnector } from '../../helpers/connector-app';

/**
 * `/metrics` answers anyone who can reach the port unless CONNECTOR_METRICS_TOKEN is set; then it
 * answers only that bearer token (not the operator's, so a Prometheus configuration never holds
 * the operator token), and the token appears in no answer or log line.
 */
const METRICS_TOKEN = 'metrics-scrape-token-0123456789abcdef0123';

describe('/metrics access', () => {
  let guarded: TestConnector;
  let open: TestConnector;

  beforeAll(async () => {
    guarded = await startTestConnector({ env: { CONNECTOR_METRICS_TOKEN: METRICS_TOKEN } });
    guarded.watch.secret(METRICS_TOKEN);
    open = await startTestConnector();
  });
  afterAll(async () => {
    expect(guarded.watch.leaks()).toEqual([]);
    await guarded.close();
    await open.close();
  });

  it('answers the metrics token, in any case of the Bearer scheme', async () => {
    for (const scheme of ['Bearer', 'bearer']) {
      const res = await guarded.request({ method: 'GET', url: '/metrics', token: null, headers: { authorization: `${scheme} ${METRICS_TOKEN}` } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.body).toContain('applinks_');
    }
  });

  it.each([
    ['no token', undefined, /Send the metrics token/],
    ['a wrong token', `Bearer ${'x'.repeat(40)}`, /not the metrics token/],
    ['the operator token', `Bearer ${ADMIN_TOKEN}`, /not the metrics token/],
  ])('refuses %s with 401 and a Bearer challenge', async (_what, authorization, message) => {
    const res = await guarded.request({ method: 'GET', url: '/metrics', token: null, ...(authorization === undefined ? {} : { headers: { authorization } }) });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expect(res.json()).toEqual({ error: { code: 'UNAUTHENTICATED', message: expect.stringMatching(message) } });
    expect(res.body).not.toContain('applinks_');
  });

  it('keeps /healthz and /readyz open when /metrics is guarded', async () => {
    expect((await guarded.request({ method: 'GET', url: '/healthz', token: null })).statusCode).toBe(200);
    expect((await guarded.request({ method: 'GET', url: '/readyz', token: null })).statusCode).toBe(200);
  });

  it('answers anyone when CONNECTOR_METRICS_TOKEN is unset (as before)', async () => {
    const res = await open.request({ method: 'GET', url: '/metrics', token: null });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('applinks_');
  });
});

describe('CONNECTOR_METRICS_TOKEN in the configuration', () => {
  it('refuses a short token, naming the variable without echoing the value', () => {
    let error: unknown;
    try {
      loadConfig({ CONNECTOR_METRICS_TOKEN: 'short-metrics-token' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('CONNECTOR_METRICS_TOKEN must be at least 32 characters');
    expect((error as ConfigError).message).not.toContain('short-metrics-token');
  });

  it('reads it from a file named by CONNECTOR_METRICS_TOKEN_FILE', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'applinks-metrics-'));
    try {
      const file = path.join(dir, 'metrics-token');
      writeFileSync(file, `${METRICS_TOKEN}\n`);
      chmodSync(file, 0o600);
      expect(loadConfig({ CONNECTOR_METRICS_TOKEN_FILE: file }, dir).metricsToken).toBe(METRICS_TOKEN);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
