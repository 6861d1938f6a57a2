import type { TestConnector } from '../../helpers/connector-app';
import { startOidcServer, type OidcServer } from '../../helpers/oidc-server';
import { CALLBACK, authorize, createLink, startConnector, type Clock } from './lifecycle-steps';

/**
 * Issue 11.14: between the provider's refresh answer and the commit of the new tokens, the old
 * refresh token is spent and the new one lives only in this process; a crash there loses the
 * grant. Nothing but sealing and the write may sit in that window. Measured with the connector's
 * own histogram (applinks_token_persist_seconds) against the real OAuth 2.0 test server.
 */
const RUNS = 30;
/** The status write is made 300 ms slow: inside the window it would put every run over these. */
const STATUS_WRITE_DELAY_MS = 300;
const MEDIAN_LIMIT_MS = 50;
/** Generous: two cores shared with other test runs stall a PostgreSQL round trip now and then. */
const MAX_LIMIT_MS = 250;

describe.each(['sqlite', 'postgres'] as const)('the refresh persist window on %s', (dialect) => {
  let oidc: OidcServer;
  let c: TestConnector;
  const clock: Clock = { t: Date.now() };

  beforeAll(async () => {
    oidc = await startOidcServer({ clients: { dc: { authMethod: 'client_secret_post', grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [CALLBACK] } } });
    c = await startConnector(dialect, clock);
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    expect(c.watch.leaks()).toEqual([]);
    await c.close();
    await oidc.stop();
  });

  it(`keeps the link's status write (and everything else but the commit) out of the window: ${RUNS} refreshes, median under ${MEDIAN_LIMIT_MS} ms`, async () => {
    const linkId = await createLink(c, oidc, 'dc');
    expect((await authorize(c, oidc, linkId)).status).toBe(200);
    const windows: number[] = [];
    // Read from the connector's own scrape: each refresh adds one observation to the histogram.
    const scraped = async (): Promise<{ sum: number; count: number }> => {
      const text = (await c.request({ method: 'GET', url: '/metrics', token: null })).body;
      const value = (name: string) => Number(new RegExp(`^applinks_token_persist_seconds_${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 'NaN');
      return { sum: value('sum'), count: value('count') };
    };
    // A slow status write: if it ran before the commit, every window would be at least this long.
    const setStatus = c.store.links.setStatus.bind(c.store.links);
    jest.spyOn(c.store.links, 'setStatus').mockImplementation(async (...args) => {
      await new Promise((resolve) => setTimeout(resolve, STATUS_WRITE_DELAY_MS));
      return setStatus(...args);
    });
    for (let i = 0; i < RUNS; i += 1) {
      // The link says "failing" before each refresh, so each success writes "connected".
      await c.store.links.setStatus(linkId, 'failing', 'test', new Date(clock.t).toISOString());
      clock.t = Date.parse((await c.store.tokens.get(linkId, ''))!.record.refreshAt) + 1_000;
      const before = await scraped();
      expect(await c.app.connector.credentials.refresh(linkId, '', { wait: true })).toBe('refreshed');
      const after = await scraped();
      expect(after.count).toBe(before.count + 1);
      windows.push((after.sum - before.sum) * 1000);
      expect((await c.store.links.get(linkId))?.status).toBe('connected');
    }
    expect(windows).toHaveLength(RUNS);
    const sorted = [...windows].sort((a, b) => a - b);
    const figures = { median: sorted[Math.floor(RUNS / 2)]!, p90: sorted[Math.floor(RUNS * 0.9)]!, max: sorted[RUNS - 1]! };
    process.stdout.write(`persist window on ${dialect} (ms): median ${figures.median.toFixed(2)}, p90 ${figures.p90.toFixed(2)}, max ${figures.max.toFixed(2)}\n`);
    expect(figures.median).toBeLessThan(MEDIAN_LIMIT_MS);
    expect(figures.max).toBeLessThan(MAX_LIMIT_MS);
  });
});
