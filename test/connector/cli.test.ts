import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCli, tokenColumn } from '../../connector/src/cli';
import { loadConfig } from '../../connector/src/config';
import { createLogger } from '../../connector/src/observability/logger';
import { openApp } from '../../connector/src/runtime';
import { LeakWatch } from '../helpers/leak-watch';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/applinks-connector.js');

async function cli(argv: string[], env: NodeJS.ProcessEnv, watch?: LeakWatch) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { env, cwd: ROOT, out: (l) => out.push(l), err: (l) => err.push(l) });
  watch?.record(out.join('\n'));
  watch?.record(err.join('\n'));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('applinks-connector CLI', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'cli-test-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it.each([[[]], [['serve']], [['links']], [['links', 'list']], [['rotate-key']]])('prints help for %j', async (argv) => {
    const result = await cli([...argv, '--help'], {});
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^Usage: applinks-connector/);
  });

  it('lists no links on a fresh store, creating the key file and database in the data directory', async () => {
    const result = await cli(['links', 'list'], { CONNECTOR_DATA_DIR: dataDir });
    expect(result).toMatchObject({ code: 0, out: expect.stringContaining('No links yet') });
  });

  it('exits 2 with the variable named when the configuration is invalid', async () => {
    const result = await cli(['links', 'list'], { CONNECTOR_DATA_DIR: dataDir, CONNECTOR_MASTER_KEY: 'short' });
    expect(result.code).toBe(2);
    expect(result.err).toContain('CONNECTOR_MASTER_KEY');
  });

  it('lists links and rotates the key of a store the connector uses, never printing a secret', async () => {
    const watch = new LeakWatch();
    const masterKey = randomBytes(32).toString('base64');
    watch.secret(masterKey);
    const secret = watch.secret('cli-test-client-secret-ABCDEFGH');
    const env = { CONNECTOR_DATA_DIR: dataDir, CONNECTOR_MASTER_KEY: masterKey };
    // The connector serves this store while the CLI works on it, as an operator would do it.
    const second = await startTestConnectorWithKey(env, watch);
    const created = await second.request({
      method: 'POST',
      url: '/v1/links',
      payload: { name: 'Bitbucket DC', remoteKind: 'bitbucket', applicationUrl: 'https://bitbucket.example.com', outgoing: { clientId: 'id', clientSecret: secret } },
    });
    expect(created.statusCode).toBe(201);

    const list = await cli(['links', 'list'], env, watch);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/TOKEN/);
    expect(list.out).toMatch(/Bitbucket DC\s+bitbucket\s+needs-authorization\s+none\s+https:\/\/bitbucket.example.com/);
    const json = await cli(['links', 'list', '--json'], env, watch);
    expect(JSON.parse(json.out)).toHaveLength(1);
    expect(JSON.parse(json.out)[0].credential).toMatchObject({ state: 'none', expiresAt: null });

    // Rotation runs in "another process" while the app keeps serving the same store.
    const rotated = await cli(['rotate-key', '--grace-ms', '0'], env, watch);
    expect(rotated.code).toBe(0);
    expect(rotated.out).toContain('data key 2 is active; 1 secrets re-encrypted; retired data keys: 1');
    const id = (created.json() as { id: string }).id;
    const sealed = await second.store.secrets.get(id, 'clientSecret');
    expect(sealed?.keyVersion).toBe(2);
    await expect(second.vault.open(id, 'clientSecret', sealed!)).resolves.toBe(secret);
    expect((await second.request({ method: 'GET', url: `/v1/links/${id}` })).statusCode).toBe(200);
    await second.close();
    expect(watch.leaks()).toEqual([]);
  });

  it('serve starts on the embedded SQLite store, prints where it listens, and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [BIN, 'serve'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, CONNECTOR_DATA_DIR: dataDir, CONNECTOR_PORT: '0', CONNECTOR_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listen line in time: ${stderr}`)), 20_000);
      child.stderr.on('data', () => {
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (match?.[1] !== undefined) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      child.on('exit', (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
    });
    const health = await fetch(`${url}/readyz`);
    expect(await health.json()).toEqual({ status: 'ready', store: 'sqlite' });
    const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(stderr).toContain('store: SQLite in');
    expect(stdout).toContain('"msg":"shutting down"');
    // The log is JSON lines from pino.
    expect(stdout.split('\n').filter(Boolean).every((line) => line.startsWith('{'))).toBe(true);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 30_000);
});

/** A `serve` child process on `dataDir`, its output collected. */
function spawnServe(env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, CONNECTOR_PORT: '0', CONNECTOR_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (output.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output.stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  /** Resolves with the URL once it listens; rejects if it exits first or takes longer than `ms`. */
  const listening = (ms = 20_000) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output.stderr);
        if (match?.[1] !== undefined) {
          clearInterval(poll);
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      const poll = setInterval(check, 10);
      const timer = setTimeout(() => {
        clearInterval(poll);
        reject(new Error(`no listen line in time: ${output.stderr}`));
      }, ms);
      void exited.then((code) => {
        clearInterval(poll);
        clearTimeout(timer);
        reject(new Error(`exited with ${code}: ${output.stderr}`));
      });
    });
  return { child, output, exited, listening, kill: () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL') };
}

/** The CLI as its own process, as an operator runs it next to a server. */
function runBin(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...argv], { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

describe('one serve process per SQLite data directory (real processes)', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  const children: ReturnType<typeof spawnServe>[] = [];
  const serveProcess = (extra: NodeJS.ProcessEnv = {}) => {
    const started = spawnServe({ ...env, ...extra });
    children.push(started);
    return started;
  };
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'cli-serve-lock-'));
    env = { CONNECTOR_DATA_DIR: dataDir, FORGE_APP_ID: 'ari:cloud:ecosystem::app/0b7b8a52-53b4-4e7c-9c57-1d0f6a6b8e11' };
  });
  afterEach(async () => {
    for (const started of children.splice(0)) {
      started.kill();
      await started.exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a second serve refuses to start, naming the holder (pid, host, since), while the CLI maintenance commands work beside the first', async () => {
    const first = serveProcess();
    const url = await first.listening();
    const second = serveProcess({ CONNECTOR_SERVE_WAIT_SECONDS: '0' });
    expect(await second.exited).toBe(1);
    expect(second.output.stderr).toMatch(new RegExp(`another connector serves from .*\\(pid ${first.child.pid} on ${hostname()}, since \\d{4}-\\d{2}-\\d{2}T`));
    expect(second.output.stderr).not.toMatch(/listening on/);
    // The first keeps serving.
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    const list = await runBin(['links', 'list'], env);
    expect(list).toMatchObject({ code: 0, out: expect.stringContaining('No links yet') });
    const pair = await runBin(['pair'], env);
    expect(pair.code).toBe(0);
    expect(pair.out.trim()).toMatch(/^\S+$/);
    const rotate = await runBin(['rotate-key', '--grace-ms', '0'], env);
    expect(rotate).toMatchObject({ code: 0, out: expect.stringContaining('data key 2 is active') });
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  }, 60_000);

  it('in a rolling restart the second serve waits with a log line, and serves once the first has stopped', async () => {
    const first = serveProcess();
    await first.listening();
    const second = serveProcess({ CONNECTOR_SERVE_WAIT_SECONDS: '30' });
    const deadline = Date.now() + 15_000;
    while (!second.output.stdout.includes('waiting up to 30 s for it to stop')) {
      if (Date.now() > deadline) throw new Error(`no waiting line: ${second.output.stdout} ${second.output.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(second.output.stdout).toContain(`pid ${first.child.pid} on ${hostname()}`);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const stoppedAt = Date.now();
    const url = await second.listening();
    const handoverMs = Date.now() - stoppedAt;
    // eslint-disable-next-line no-console
    console.log(`rolling restart: the waiting server listened ${handoverMs} ms after the first exited`);
    // It took over after the first exited (awaited above), long before its own 30 s wait ran out.
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  }, 60_000);

  it('a holder killed with SIGKILL does not block the next serve (the OS drops the lock)', async () => {
    const first = serveProcess();
    await first.listening();
    first.child.kill('SIGKILL');
    await first.exited;
    const killedAt = Date.now();
    const second = serveProcess({ CONNECTOR_SERVE_WAIT_SECONDS: '0' });
    const url = await second.listening();
    // eslint-disable-next-line no-console
    console.log(`after kill -9 of the holder, the next serve listened in ${Date.now() - killedAt} ms (wait 0: it never waited)`);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  }, 60_000);
});

async function startTestConnectorWithKey(env: Record<string, string>, watch: LeakWatch) {
  const config = loadConfig({ ...env, CONNECTOR_ADMIN_TOKEN: 'test-admin-token-0123456789abcdef0123456789' }, ROOT);
  const { app, runtime } = await openApp(config, createLogger('debug', watch.stream));
  return {
    store: runtime.store,
    vault: runtime.vault,
    request: async (opts: { method: 'GET' | 'POST'; url: string; payload?: object }) => {
      const res = await app.inject({ ...opts, headers: { authorization: 'Bearer test-admin-token-0123456789abcdef0123456789' } });
      watch.record(res.body);
      return res;
    },
    close: () => app.close(),
  };
}

describe('the token column of links list', () => {
  const base = { expiresAt: null, refreshAt: null, hasRefreshToken: false, failedRefreshes: 0, lastErrorCode: null, users: { authorized: 0, needReauthorization: 0, soonestExpiry: null } };
  it.each([
    [{ ...base, state: 'valid' as const, expiresAt: '2026-11-23T13:45:10.000Z' }, 'valid until 2026-11-23 13:45Z'],
    [{ ...base, state: 'valid' as const, expiresAt: '2026-11-23T13:45:10.000Z', failedRefreshes: 2 }, 'valid until 2026-11-23 13:45Z (2 failed renewals)'],
    [{ ...base, state: 'expired' as const, expiresAt: '2026-11-23T13:45:10.000Z', lastErrorCode: 'TIMEOUT' }, 'expired, renewal failing (TIMEOUT)'],
    [{ ...base, state: 'needs-reauthorization' as const }, 'needs re-authorization'],
    [{ ...base, state: 'none' as const }, 'none'],
    [{ ...base, state: 'none' as const, users: { authorized: 4, needReauthorization: 1, soonestExpiry: null } }, '4 users, 1 to re-authorize'],
  ])('says %j as %s', (credential, text) => {
    expect(tokenColumn(credential)).toBe(text);
  });
});
