import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { runCli } from '../../../connector/src/cli';
import { loadConfig } from '../../../connector/src/config';
import { createLogger } from '../../../connector/src/observability/logger';
import { openApp } from '../../../connector/src/runtime';
import { LeakWatch } from '../../helpers/leak-watch';
import { CLOUD_A, fitClaims, INSTALLATION_A, INSTALLATION_B, joseRsaKey, JwksServer, signFit, type TestKey } from './fixtures';

const ROOT = path.resolve(__dirname, '../../..');
const CODE_SHAPE = /^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/;

describe('applinks-connector pair and unpair', () => {
  let key: TestKey;
  let server: JwksServer;
  let dataDir: string;
  let env: Record<string, string>;
  let watch: LeakWatch;
  let app: FastifyInstance;

  /** Runs the CLI in-process. Its stdout is where a pairing code is meant to appear, so only stderr goes to the leak watch. */
  async function cli(argv: string[], now?: () => Date) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { env, cwd: ROOT, out: (l) => out.push(l), err: (l) => err.push(l), now });
    watch.record(err.join('\n'));
    return { code, out: out.join('\n'), err: err.join('\n') };
  }
  async function fit(installationId = INSTALLATION_A) {
    return watch.secret(await signFit(key, fitClaims({ nowSeconds: Math.floor(Date.now() / 1000), installationId })));
  }
  async function call(method: 'GET' | 'POST', url: string, token: string, payload?: object) {
    const res = await app.inject({ method, url, payload, headers: { authorization: `Bearer ${token}` } });
    watch.record(`${res.statusCode} ${res.body}`);
    return res;
  }

  beforeAll(async () => {
    key = await joseRsaKey('k1');
    server = await JwksServer.start([key.publicJwk]);
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'forge-cli-test-'));
    watch = new LeakWatch();
    env = { CONNECTOR_DATA_DIR: dataDir, CONNECTOR_MASTER_KEY: watch.secret(randomBytes(32).toString('base64')), ...server.env() };
    // A connector serving the same store, as it would while the operator runs the CLI beside it.
    ({ app } = await openApp(loadConfig(env, ROOT), createLogger('debug', watch.stream)));
  });
  afterEach(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
    expect(watch.leaks()).toEqual([]);
  });

  it.each([['pair'], ['unpair']])('prints help for %s', async (command) => {
    const result = await cli([command, '--help']);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(new RegExp(`^Usage: applinks-connector ${command}`));
  });

  it('lists pair and unpair in the main help, beside the existing commands', async () => {
    const result = await cli(['--help']);
    for (const command of ['serve', 'links', 'rotate-key', 'pair', 'unpair']) expect(result.out).toContain(command);
  });

  it('refuses to print a code when FORGE_APP_ID is not set, naming the variable (exit 2)', async () => {
    delete env.FORGE_APP_ID;
    const result = await cli(['pair']);
    expect(result.code).toBe(2);
    expect(result.err).toContain('FORGE_APP_ID');
    expect(result.out).toBe('');
  });

  it('prints a code that pairs the installation presenting it, refuses a second pair while paired, and unpair releases it', async () => {
    const printed = await cli(['pair']);
    expect(printed.code).toBe(0);
    expect(printed.out).toMatch(CODE_SHAPE);
    expect(printed.err).toContain('It works once');
    const code = watch.secret(printed.out);

    const paired = await call('POST', '/v1/forge/pair', await fit(), { code });
    expect(paired.statusCode).toBe(200);
    expect(paired.json()).toMatchObject({ paired: true, installationId: INSTALLATION_A, cloudId: CLOUD_A });
    expect((await call('GET', '/v1/links', await fit())).statusCode).toBe(200);
    expect((await call('GET', '/v1/links', await fit(INSTALLATION_B))).statusCode).toBe(403);

    const again = await cli(['pair']);
    expect(again.code).toBe(1);
    expect(again.err).toContain('unpair first');
    expect(again.out).toBe('');

    const unpaired = await cli(['unpair']);
    expect(unpaired.code).toBe(0);
    expect(unpaired.out).toContain(`Unpaired from ${INSTALLATION_A} (cloud ${CLOUD_A})`);
    // The running connector sees it at once: the installation is no longer let in.
    expect((await call('GET', '/v1/links', await fit())).statusCode).toBe(403);
    expect((await call('GET', '/v1/forge/status', await fit())).json()).toMatchObject({ paired: false });
    expect((await call('POST', '/v1/forge/pair', await fit(), { code })).json().error.issues).toEqual([{ path: 'code', message: 'was already used' }]);

    const twice = await cli(['unpair']);
    expect(twice).toMatchObject({ code: 0, out: 'This connector was not paired.' });
  });

  it('prints a code that has expired 10 minutes later (clock injected into the CLI)', async () => {
    const printed = await cli(['pair'], () => new Date(Date.now() - 10 * 60_000 - 1_000));
    const code = watch.secret(printed.out);
    const res = await call('POST', '/v1/forge/pair', await fit(), { code });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.issues).toEqual([{ path: 'code', message: 'has expired' }]);
  });

  it('replaces a pending code with a new one, and unpair cancels a pending code', async () => {
    const first = watch.secret((await cli(['pair'])).out);
    const second = await cli(['pair']);
    watch.secret(second.out);
    expect(second.err).toContain('The previous pairing code no longer works.');
    expect((await call('POST', '/v1/forge/pair', await fit(), { code: first })).statusCode).toBe(403);

    const cancelled = await cli(['unpair']);
    expect(cancelled.err).toContain('The pending pairing code was cancelled.');
    const res = await call('POST', '/v1/forge/pair', await fit(), { code: second.out });
    expect(res.json().error.issues).toEqual([{ path: 'code', message: 'no pairing code is pending' }]);
  });
});
