import { DIAGNOSTIC_CODES, type DiagnosticCode } from '../../../contract';
import { EXPIRED_RETRY_MS } from '../../../connector/src/credentials/refresh-policy';
import type { TestConnector } from '../../helpers/connector-app';
import { startOidcServer, type OidcServer } from '../../helpers/oidc-server';
import { CALLBACK, authorize, createConsumer, createLink, readToken, startConnector, waitFor, type Clock } from './lifecycle-steps';

/**
 * What consumers are served while the provider fails (issue 11, items 1 and 6), against the real
 * OAuth 2.0 test server. The connector's clock is ours to move; no test sleeps on the wall clock
 * except to let a background refresh give up at the 1 s provider limit.
 */
describe.each(['sqlite', 'postgres'] as const)('serving tokens on %s', (dialect) => {
  let oidc: OidcServer;
  let c: TestConnector;
  const clock: Clock = { t: Date.now() };

  beforeAll(async () => {
    oidc = await startOidcServer({ clients: { dc: { authMethod: 'client_secret_post', grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [CALLBACK] } } });
    c = await startConnector(dialect, clock);
  });
  afterAll(async () => {
    expect(c.watch.leaks()).toEqual([]);
    await c.close();
    await oidc.stop();
  });

  async function connected(): Promise<{ linkId: string; apiKey: string; cached: string; expiresAt: number }> {
    clock.t = Date.now();
    const linkId = await createLink(c, oidc, 'dc');
    expect((await authorize(c, oidc, linkId)).status).toBe(200);
    const apiKey = await createConsumer(c, [linkId]);
    const first = await readToken(c, linkId, apiKey);
    expect(first.status).toBe(200);
    return { linkId, apiKey, cached: first.body.accessToken!, expiresAt: Date.parse((await c.store.tokens.get(linkId, ''))!.record.expiresAt) };
  }

  it('never answers 200 with a token at or past its expiry: 503 with the last renewal\'s code, its hint and Retry-After', async () => {
    const { linkId, apiKey, cached, expiresAt } = await connected();
    // Two seconds before expiry the renewal fails, and its back-off ends after the expiry.
    clock.t = expiresAt - 2_000;
    await oidc.misbehave('html-502');
    expect((await readToken(c, linkId, apiKey)).body.accessToken).toBe(cached);
    await waitFor(async () => (await c.store.tokens.get(linkId, ''))?.record.failureCount === 1, 3_000);
    const failed = (await c.store.tokens.get(linkId, ''))!.record;
    expect(Date.parse(failed.nextAttemptAt!)).toBeGreaterThan(expiresAt);
    const code = failed.lastErrorCode as DiagnosticCode;

    await oidc.resetCounts();
    for (const t of [expiresAt, expiresAt + 1, Date.parse(failed.nextAttemptAt!) - 1]) {
      clock.t = t;
      const res = await c.request({ method: 'GET', url: `/v1/links/${linkId}/token`, token: apiKey });
      expect(res.statusCode).toBe(503);
      const body = res.json() as { error: { code: string; message: string } };
      expect(body.error.code).toBe('TOKEN_UNAVAILABLE');
      expect(body.error.message).toContain(code);
      expect(body.error.message).toContain(DIAGNOSTIC_CODES[code].hint);
      expect(res.body).not.toContain(cached);
      expect(Number(res.headers['retry-after'])).toBe(Math.max(1, Math.ceil((Date.parse(failed.nextAttemptAt!) - t) / 1000)));
    }
    // During the back-off nobody calls the provider; when it ends, the next read renews and is served.
    expect(await oidc.counts()).toEqual({});
    clock.t = Date.parse(failed.nextAttemptAt!);
    const renewed = await readToken(c, linkId, apiKey);
    expect(renewed.status).toBe(200);
    expect(renewed.body.accessToken).not.toBe(cached);
    expect(Date.parse(renewed.body.expiresAt!)).toBeGreaterThan(clock.t);
  });

  it('retries an expired credential within 30 s, with jitter, however long the outage has lasted', async () => {
    const { linkId, apiKey, expiresAt } = await connected();
    // The record of a long outage: nine failed renewals (the exponential back-off is at its 10-minute cap).
    const stored = (await c.store.tokens.get(linkId, ''))!;
    await c.store.tokens.saveRecord({ ...stored.record, failureCount: 9, lastErrorCode: 'CONNECTION_REFUSED' });
    const gaps: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      clock.t = i === 0 ? expiresAt + 1_000 : Date.parse((await c.store.tokens.get(linkId, ''))!.record.nextAttemptAt!);
      await oidc.misbehave('html-502');
      const res = await readToken(c, linkId, apiKey);
      expect(res.status).toBe(503);
      const record = (await c.store.tokens.get(linkId, ''))!.record;
      expect(record.failureCount).toBe(10 + i);
      gaps.push(Date.parse(record.nextAttemptAt!) - clock.t);
    }
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(EXPIRED_RETRY_MS / 2);
      expect(gap).toBeLessThanOrEqual(EXPIRED_RETRY_MS);
    }
    expect(EXPIRED_RETRY_MS).toBeLessThanOrEqual(25_000); // plus the scheduler's 5 s scan: within 30 s
    expect(new Set(gaps).size).toBeGreaterThan(1); // jittered
  });

  it('serves a valid token at once when it is close to expiry and the provider hangs; the refresh runs in the background', async () => {
    const { linkId, apiKey, cached, expiresAt } = await connected();
    // Ten seconds before expiry: inside the refresh window, and inside the old 30 s "make the caller wait" zone.
    clock.t = expiresAt - 10_000;
    await oidc.misbehave('hang');
    const started = Date.now();
    const during = await Promise.all(Array.from({ length: 20 }, () => readToken(c, linkId, apiKey)));
    expect(Date.now() - started).toBeLessThan(500);
    expect(during.every((a) => a.status === 200 && a.body.accessToken === cached)).toBe(true);
    await waitFor(async () => (await c.store.tokens.get(linkId, ''))?.record.lastErrorCode === 'TIMEOUT', 3_000);
  });

  it('makes only a caller with an expired token wait for the renewal', async () => {
    const { linkId, apiKey, cached, expiresAt } = await connected();
    clock.t = expiresAt;
    await oidc.misbehave('hang');
    const started = Date.now();
    const res = await readToken(c, linkId, apiKey);
    // It waited for the provider's answer (the 1 s limit), and got no expired token.
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(res.status).toBe(503);
    expect(JSON.stringify(res.body)).not.toContain(cached);
  });
});
