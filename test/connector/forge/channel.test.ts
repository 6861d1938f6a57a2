import { ErrorEnvelopeSchema, ForgeChannelStatusSchema } from '../../../contract';
import { loadConfig } from '../../../connector/src/config';
import { createForgeChannel } from '../../../connector/src/forge-channel';
import { FORGE_SETTINGS } from '../../../connector/src/forge/pairing';
import { createLogger } from '../../../connector/src/observability/logger';
import type { Store } from '../../../connector/src/storage/store';
import { startTestConnector, type TestConnector } from '../../helpers/connector-app';
import { forgedTokens, type CorpusKeys } from './corpus';
import { APP_ID, CLOUD_A, CLOUD_B, fitClaims, INSTALLATION_A, INSTALLATION_B, joseRsaKey, JwksServer, nodeKey, signFit } from './fixtures';

const LINK = { name: 'Jira DC', remoteKind: 'jira', applicationUrl: 'https://jira.example.com', outgoing: { clientId: 'client-abc', clientSecret: 'forge-channel-client-secret-0123' } };

let keys: CorpusKeys;
let server: JwksServer;
beforeAll(async () => {
  const [forge, rogue] = await Promise.all([joseRsaKey('k1'), joseRsaKey('rogue')]);
  keys = { forge, rogue, weak: nodeKey('weak', 'rsa1024'), ec: nodeKey('ec', 'ec') };
  // The JWKS also publishes a weak RSA key and an EC key: neither may ever verify a token.
  server = await JwksServer.start([keys.forge.publicJwk, keys.weak.publicJwk, keys.ec.publicJwk]);
});
afterAll(async () => {
  await server.close();
});

describe.each(['sqlite', 'postgres'] as const)('Forge channel on %s', (dialect) => {
  let c: TestConnector;
  let nowMs = Date.parse('2026-03-01T12:00:00Z');
  const seconds = () => Math.floor(nowMs / 1000);
  const fit = async (installationId = INSTALLATION_A, cloudId = CLOUD_A) => c.watch.secret(await signFit(keys.forge, fitClaims({ nowSeconds: seconds(), installationId, cloudId })));
  const pairing = () => c.forge!.pairing;
  const issue = async () => c.watch.secret((await pairing().issueCode()).code);
  const pair = async (code: string, token: string) => c.request({ method: 'POST', url: '/v1/forge/pair', payload: { code }, token });
  const status = async (token: string) => c.request({ method: 'GET', url: '/v1/forge/status', token });
  const settingsSnapshot = async () =>
    JSON.stringify(await Promise.all(Object.values(FORGE_SETTINGS).map((key) => c.store.settings.get(key))));

  beforeAll(async () => {
    c = await startTestConnector({ dialect, env: server.env(), now: () => new Date(nowMs) });
    c.watch.secret(LINK.outgoing.clientSecret);
  });
  afterAll(async () => {
    await c.close();
    expect(c.watch.leaks()).toEqual([]);
  });
  beforeEach(async () => {
    nowMs += 60_000;
    await pairing().unpair();
    await c.store.settings.delete(FORGE_SETTINGS.used);
  });

  describe('a corpus of forged and malformed tokens', () => {
    it('has at least 30 entries', async () => {
      expect((await forgedTokens(keys, seconds())).length).toBeGreaterThanOrEqual(30);
    });

    it('is refused with 401 or 403 on every Forge route once paired, and nothing changes', async () => {
      const code = await issue();
      expect((await pair(code, await fit())).statusCode).toBe(200);
      const before = await settingsSnapshot();
      const corpus = await forgedTokens(keys, seconds());
      const seen: Record<string, number[]> = {};
      for (const { name, token } of corpus) {
        c.watch.secret(token);
        seen[name] = [];
        for (const request of [
          { method: 'POST' as const, url: '/v1/links', payload: LINK },
          { method: 'GET' as const, url: '/v1/links' },
          { method: 'GET' as const, url: '/v1/forge/status' },
          { method: 'POST' as const, url: '/v1/forge/pair', payload: { code } },
        ]) {
          const res = await c.request({ ...request, token });
          seen[name]!.push(res.statusCode);
          expect(ErrorEnvelopeSchema.parse(res.json()).error.code).toBe(res.statusCode === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN');
        }
      }
      expect(seen).toEqual(Object.fromEntries(corpus.map((t) => [t.name, [t.status, t.status, t.status, t.status]])));
      expect(await c.store.links.count()).toBe(0);
      expect(await settingsSnapshot()).toBe(before);
      // And the paired installation still gets through.
      const created = await c.request({ method: 'POST', url: '/v1/links', payload: LINK, token: await fit() });
      expect(created.statusCode).toBe(201);
      await c.store.links.delete((created.json() as { id: string }).id);
    });

    it('is refused on the pairing route before pairing, leaving the pending code unused', async () => {
      const code = await issue();
      const before = await settingsSnapshot();
      const corpus = (await forgedTokens(keys, seconds())).filter((t) => t.reason !== 'VALID_OTHER_INSTALLATION');
      for (const { name, token } of corpus) {
        c.watch.secret(token);
        const res = await pair(code, token);
        expect([name, res.statusCode]).toEqual([name, 401]);
      }
      expect(await settingsSnapshot()).toBe(before);
      expect(await pairing().binding()).toBeUndefined();
      expect((await pair(code, await fit())).statusCode).toBe(200);
    });
  });

  describe('pairing', () => {
    it('answers status to any valid token before pairing, and refuses everything else with 403', async () => {
      const token = await fit();
      const res = await status(token);
      expect(res.statusCode).toBe(200);
      expect(ForgeChannelStatusSchema.parse(res.json())).toMatchObject({ paired: false, installationId: null, connectorVersion: expect.any(String) });
      const links = await c.request({ method: 'GET', url: '/v1/links', token });
      expect(links.statusCode).toBe(403);
      expect(links.json().error.message).toContain('applinks-connector pair');
    });

    it('binds the first installation that presents the code, keeps only its hash, and refuses every other installation with 403', async () => {
      const code = await issue();
      expect(await settingsSnapshot()).not.toContain(code.replace(/-/g, ''));
      expect(await settingsSnapshot()).not.toContain(code);
      const res = await pair(code, await fit());
      expect(res.statusCode).toBe(200);
      expect(ForgeChannelStatusSchema.parse(res.json())).toMatchObject({ paired: true, installationId: INSTALLATION_A, cloudId: CLOUD_A });
      expect(await pairing().binding()).toMatchObject({ installationId: INSTALLATION_A, cloudId: CLOUD_A, appId: APP_ID });

      const other = await fit(INSTALLATION_B, CLOUD_B);
      expect((await pair(code, other)).statusCode).toBe(403);
      expect((await status(other)).statusCode).toBe(403);
      expect((await c.request({ method: 'POST', url: '/v1/links', payload: LINK, token: other })).statusCode).toBe(403);
      expect(await c.store.links.count()).toBe(0);

      const mine = await fit();
      expect(ForgeChannelStatusSchema.parse((await status(mine)).json())).toMatchObject({ paired: true, installationId: INSTALLATION_A });
      const created = await c.request({ method: 'POST', url: '/v1/links', payload: LINK, token: mine });
      expect(created.statusCode).toBe(201);
      expect((await c.request({ method: 'GET', url: '/v1/links', token: mine })).statusCode).toBe(200);
      await c.store.links.delete((created.json() as { id: string }).id);
    });

    it('refuses a wrong code with 403 and a reason, and the right code still works afterwards', async () => {
      const code = await issue();
      const wrong = await pair('ABCD-EFGH-JKMN-PQRS', await fit());
      expect(wrong.statusCode).toBe(403);
      expect(wrong.json().error).toMatchObject({ code: 'FORBIDDEN', issues: [{ path: 'code', message: 'does not match the pending pairing code' }] });
      expect(await pairing().binding()).toBeUndefined();
      expect((await pair(code, await fit())).statusCode).toBe(200);
    });

    it('accepts the code however it is typed: lower case, spaces instead of dashes', async () => {
      const code = await issue();
      expect((await pair(` ${code.toLowerCase().replace(/-/g, ' ')} `, await fit())).statusCode).toBe(200);
    });

    it('refuses a code 10 minutes after it was printed, and accepts it a second before', async () => {
      let code = await issue();
      nowMs += 10 * 60_000;
      const expired = await pair(code, await fit());
      expect(expired.statusCode).toBe(403);
      expect(expired.json().error.issues).toEqual([{ path: 'code', message: 'has expired' }]);
      expect(await pairing().binding()).toBeUndefined();

      code = await issue();
      nowMs += 10 * 60_000 - 1_000;
      expect((await pair(code, await fit())).statusCode).toBe(200);
    });

    it('uses a code once: the same installation again gets 409, and after unpair the code is refused as used', async () => {
      const code = await issue();
      expect((await pair(code, await fit())).statusCode).toBe(200);
      const again = await pair(code, await fit());
      expect(again.statusCode).toBe(409);
      expect(again.json().error.code).toBe('ALREADY_EXISTS');

      const { released } = await pairing().unpair();
      expect(released?.installationId).toBe(INSTALLATION_A);
      const reused = await pair(code, await fit());
      expect(reused.statusCode).toBe(403);
      expect(reused.json().error.issues).toEqual([{ path: 'code', message: 'was already used' }]);
      // Unpaired: the installation is refused everywhere but status and pair.
      expect((await c.request({ method: 'GET', url: '/v1/links', token: await fit() })).statusCode).toBe(403);
      expect(ForgeChannelStatusSchema.parse((await status(await fit())).json()).paired).toBe(false);
    });

    it('after unpair, a new code pairs another installation', async () => {
      expect((await pair(await issue(), await fit())).statusCode).toBe(200);
      await expect(pairing().issueCode()).rejects.toMatchObject({ code: 'ALREADY_PAIRED' });
      await pairing().unpair();
      const other = await fit(INSTALLATION_B, CLOUD_B);
      expect((await pair(await issue(), other)).statusCode).toBe(200);
      expect((await c.request({ method: 'GET', url: '/v1/links', token: other })).statusCode).toBe(200);
      expect((await c.request({ method: 'GET', url: '/v1/links', token: await fit() })).statusCode).toBe(403);
    });

    it('refuses a code when none is pending', async () => {
      const res = await pair('ABCD-EFGH-JKMN-PQRS', await fit());
      expect(res.statusCode).toBe(403);
      expect(res.json().error.issues).toEqual([{ path: 'code', message: 'no pairing code is pending' }]);
    });

    it('pairs exactly one installation when two present the same code at once', async () => {
      const code = await issue();
      const [a, b] = await Promise.all([pair(code, await fit()), pair(code, await fit(INSTALLATION_B, CLOUD_B))]);
      expect([a.statusCode, b.statusCode].sort()).toEqual([200, 403]);
      const winner = a.statusCode === 200 ? INSTALLATION_A : INSTALLATION_B;
      expect((await pairing().binding())?.installationId).toBe(winner);
    });

    it('authenticates before it reads the body: a bad body with a bad token is 401, with a good token 400', async () => {
      await issue();
      expect((await c.request({ method: 'POST', url: '/v1/forge/pair', payload: { code: 42 }, token: 'aaaa.bbbb.cccc' })).statusCode).toBe(401);
      expect((await c.request({ method: 'POST', url: '/v1/forge/pair', payload: { code: 42 }, token: await fit() })).statusCode).toBe(400);
      expect((await c.request({ method: 'POST', url: '/v1/forge/pair', payload: { code: 'x'.repeat(65) }, token: await fit() })).statusCode).toBe(400);
    });
  });

  describe('beside the operator', () => {
    it('leaves the operator token working on the links API, and does not let it call Forge routes', async () => {
      expect((await c.request({ method: 'GET', url: '/v1/links' })).statusCode).toBe(200);
      expect((await c.request({ method: 'GET', url: '/v1/forge/status' })).statusCode).toBe(401);
    });

    it('lists the Forge routes in /openapi.json', async () => {
      const doc = (await c.request({ method: 'GET', url: '/openapi.json', token: null })).json() as { paths: Record<string, unknown> };
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/forge/pair', '/v1/forge/status']));
    });
  });
});

describe('Forge channel configuration', () => {
  it('is not installed without FORGE_APP_ID: no Forge routes, and a valid FIT is not accepted', async () => {
    const c = await startTestConnector({ env: { FORGE_JWKS_URL: server.url, CONNECTOR_ALLOWED_HOSTS: server.host } });
    try {
      expect(c.forge).toBeUndefined();
      const token = await signFit(keys.forge, fitClaims({ nowSeconds: Math.floor(Date.now() / 1000) }));
      expect((await c.request({ method: 'GET', url: '/v1/forge/status', token })).statusCode).toBe(404);
      expect((await c.request({ method: 'GET', url: '/v1/links', token })).statusCode).toBe(401);
      expect((await c.request({ method: 'GET', url: '/v1/links' })).statusCode).toBe(200);
    } finally {
      await c.close();
    }
  });

  it('stops start-up when FORGE_JWKS_URL is plain http to a host not in CONNECTOR_ALLOWED_HOSTS', () => {
    const config = loadConfig({ FORGE_APP_ID: APP_ID, FORGE_JWKS_URL: server.url, CONNECTOR_DATA_DIR: '/nonexistent' });
    expect(() => createForgeChannel({ config, store: {} as Store, logger: createLogger('silent') })).toThrow(/FORGE_JWKS_URL must use https/);
  });

  it('answers 503, not 401, when the signing keys cannot be fetched', async () => {
    const down = await JwksServer.start([]);
    down.status = 500;
    const c = await startTestConnector({ env: down.env() });
    try {
      const token = await signFit(keys.forge, fitClaims({ nowSeconds: Math.floor(Date.now() / 1000) }));
      const res = await c.request({ method: 'GET', url: '/v1/forge/status', token });
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('NOT_READY');
    } finally {
      await c.close();
      await down.close();
    }
  });
});
