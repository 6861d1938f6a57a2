import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError } from 'commander';
import pino from 'pino';
import { ConfigError, loadConfig, type ConnectorConfig } from './config';
import { PairingError, PairingService } from './forge/pairing';
import { toLinkViews } from './links/view';
import type { CredentialSummary } from '../../contract';
import { createLogger } from './observability/logger';
import { registerWebhookCommands } from './alerts/commands';
import { registerHealthCommands } from './monitoring/health-command';
import { registerBackupCommand } from './ops/backup-command';
import { publicUrlWarning } from './ops/public-url';
import { openRuntime, type Runtime } from './runtime';
import { serve } from './server';
import { ServerLockError } from './storage';
import { StoreError } from './storage/store';
import { VaultError } from './vault/errors';
import { KEY_FILE_NAME, masterKeyId, NEXT_SUFFIX, parseMasterKey, writeKeyFile } from './vault/master-key';
import { rotateDataKey, rotateMasterKey } from './vault/rotation';
import { CONNECTOR_VERSION } from './version';

export interface CliIo {
  env: NodeJS.ProcessEnv;
  cwd: string;
  out: (line: string) => void;
  err: (line: string) => void;
  /** The clock for pairing-code expiry; the system clock unless a test injects one. */
  now?: () => Date;
}

/** Errors a person can act on are printed as they are; anything else is a bug and says so. */
function explain(error: unknown): string {
  if (error instanceof ConfigError) return error.message;
  if (error instanceof VaultError) return `vault: ${error.message}`;
  if (error instanceof StoreError) return `store: ${error.message}`;
  if (error instanceof ServerLockError) return `serve: ${error.message}`;
  if (error instanceof PairingError) return `pairing: ${error.message}`;
  if (error instanceof Error) return `unexpected error: ${error.message}`;
  return 'unexpected error';
}

async function withRuntime<T>(io: CliIo, run: (runtime: Runtime, config: ConnectorConfig) => Promise<T>): Promise<T> {
  const config = loadConfig(io.env, io.cwd);
  // Commands print results on stdout; their log lines go to stderr so that output stays parseable.
  const runtime = await openRuntime(config, createLogger('warn', pino.destination(2)));
  try {
    return await run(runtime, config);
  } finally {
    await runtime.close();
  }
}

export function buildCli(io: CliIo): Command {
  const program = new Command('applinks-connector')
    .description('Holds the outgoing secrets of OAuth 2.0 application links next to a Data Center instance, and keeps their tokens fresh.')
    .version(CONNECTOR_VERSION)
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride();

  program
    .command('serve')
    .description('Start the connector (configuration from CONNECTOR_* environment variables; see README)')
    .action(async () => {
      const config = loadConfig(io.env, io.cwd);
      const logger = createLogger(config.logLevel);
      const { url } = await serve(config, logger);
      io.err(`applinks-connector ${CONNECTOR_VERSION} listening on ${url} (store: ${config.databaseUrl === undefined ? `SQLite in ${config.dataDir}` : 'PostgreSQL'})`);
      if (config.adminToken === undefined) io.err('The operator API is off: set CONNECTOR_ADMIN_TOKEN to manage links over HTTP.');
      const insecure = publicUrlWarning(config.publicUrl);
      if (insecure !== undefined) logger.warn({ publicUrl: config.publicUrl }, insecure);
    });

  const links = program.command('links').description('Inspect links');
  links
    .command('list')
    .description('List links with their status (secrets are never shown)')
    .option('--json', 'print JSON, one page of full link views')
    .option('--limit <n>', 'how many links at most', '500')
    .action(async (options: { json?: boolean; limit: string }) => {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new ConfigError([{ variable: '--limit', message: 'must be a whole number from 1 to 10000' }]);
      await withRuntime(io, async (runtime, config) => {
        const items = [];
        let cursor: string | undefined;
        do {
          const page = await runtime.store.links.list({ limit: Math.min(500, limit - items.length), cursor });
          items.push(...page.items);
          cursor = page.nextCursor ?? undefined;
        } while (cursor !== undefined && items.length < limit);
        const views = await toLinkViews(items, { store: runtime.store, publicUrl: config.publicUrl, now: () => new Date() });
        if (options.json === true) {
          io.out(JSON.stringify(views, null, 2));
          return;
        }
        if (views.length === 0) {
          io.out('No links yet. Create one from the Jira admin page, or POST /v1/links with the operator token.');
          return;
        }
        const rows = views.map((v) => [v.id, v.name, v.remoteKind, v.status, tokenColumn(v.credential), v.applicationUrl]);
        io.out(table(['ID', 'NAME', 'KIND', 'STATUS', 'TOKEN', 'APPLICATION URL'], rows));
      });
    });

  program
    .command('rotate-key')
    .description('Rotate the data key and re-encrypt every secret under it; safe while the connector serves')
    .option('--master', 'also replace the master key: re-wraps the data keys under a new master key')
    .option('--grace-ms <ms>', 'how long to let running replicas pick up the new data key first', '6000')
    .action(async (options: { master?: boolean; graceMs: string }) => {
      const graceMs = Number(options.graceMs);
      if (!Number.isInteger(graceMs) || graceMs < 0) throw new ConfigError([{ variable: '--grace-ms', message: 'must be a whole number of milliseconds' }]);
      await withRuntime(io, async (runtime, config) => {
        const report = await rotateDataKey({
          store: runtime.store,
          vault: runtime.vault,
          graceMs,
          onProgress: (p) => {
            if (p.phase === 'waiting') io.err(`new data key added; waiting ${graceMs} ms for running connectors to use it`);
            if (p.phase === 'rewrapping') io.err(`re-encrypted ${p.rewrapped} secrets`);
          },
        });
        io.out(`data key ${report.newVersion} is active; ${report.rewrapped} secrets re-encrypted; retired data keys: ${report.retiredVersions.join(', ') || 'none'}`);
        if (report.remainingOldVersions.length > 0) {
          io.err(`data keys ${report.remainingOldVersions.join(', ')} are still in use by writes that raced the rotation: run rotate-key again`);
        }
        if (options.master === true) await rotateMaster(io, runtime, config);
      });
    });

  program
    .command('pair')
    .description('Print a one-time code (valid 10 minutes) that pairs this connector with the Jira installation whose admin enters it')
    .action(async () => {
      await withRuntime(io, async (runtime, config) => {
        if (config.forgeAppId === undefined) {
          throw new ConfigError([{ variable: 'FORGE_APP_ID', message: 'must be the Forge app ARI (ari:cloud:ecosystem::app/<uuid>): without it the connector does not accept calls from the Forge app' }]);
        }
        const { code, expiresAt, replacedPending } = await pairingOf(io, runtime).issueCode();
        if (replacedPending) io.err('The previous pairing code no longer works.');
        // The code alone on stdout (scripts can take it); the explanation on stderr.
        io.out(code);
        io.err(`Enter this code in Jira (Settings > Apps > OAuth 2.0 application links > Connector). It works once, until ${expiresAt.toISOString()}.`);
      });
    });

  program
    .command('unpair')
    .description('Release the pairing with the Jira installation and cancel a pending pairing code, so that a new code can pair again')
    .action(async () => {
      await withRuntime(io, async (runtime) => {
        const { released, cancelledCode } = await pairingOf(io, runtime).unpair();
        if (cancelledCode) io.err('The pending pairing code was cancelled.');
        if (released === undefined) {
          io.out('This connector was not paired.');
          return;
        }
        const site = released.cloudId === null ? '' : ` (cloud ${released.cloudId})`;
        io.out(`Unpaired from ${released.installationId}${site}. Calls from it are refused from now on; run applinks-connector pair to pair again.`);
      });
    });

  registerBackupCommand(program, io);
  registerWebhookCommands(program, io, (run) => withRuntime(io, (runtime) => run(runtime)));
  registerHealthCommands(links, { ...io, withStore: (run) => withRuntime(io, (runtime) => run(runtime.store)) });

  return program;
}

function pairingOf(io: CliIo, runtime: Runtime): PairingService {
  return new PairingService({ settings: runtime.store.settings, now: io.now ?? (() => new Date()) });
}

async function rotateMaster(io: CliIo, runtime: Runtime, config: ConnectorConfig): Promise<void> {
  if (runtime.masterKey.source === 'environment') {
    const next = io.env.CONNECTOR_NEW_MASTER_KEY;
    if (next === undefined || next.trim() === '') {
      throw new ConfigError([{ variable: 'CONNECTOR_NEW_MASTER_KEY', message: 'must hold the new master key (openssl rand -base64 32) when the current one comes from CONNECTOR_MASTER_KEY' }]);
    }
    const key = parseMasterKey(next, 'CONNECTOR_NEW_MASTER_KEY');
    const result = await rotateMasterKey({ store: runtime.store, vault: runtime.vault, next: { key, id: masterKeyId(key), source: 'environment' } });
    io.out(`${result.keys} data keys re-wrapped under the new master key. Set CONNECTOR_MASTER_KEY to the new key on every replica and restart them.`);
    return;
  }
  // Key-file mode: write the new key beside the old one first, switch the store, then rename, so
  // that a crash at any point leaves a key that opens the store on disk.
  const file = path.join(config.dataDir, KEY_FILE_NAME);
  const nextFile = `${file}${NEXT_SUFFIX}`;
  const key = randomBytes(32);
  await fs.rm(nextFile, { force: true });
  await writeKeyFile(nextFile, key);
  try {
    await rotateMasterKey({ store: runtime.store, vault: runtime.vault, next: { key, id: masterKeyId(key), source: 'key-file' } });
  } catch (error) {
    await fs.rm(nextFile, { force: true });
    throw error;
  }
  await fs.rename(nextFile, file);
  io.out(`${KEY_FILE_NAME} replaced and the data keys re-wrapped under it. Restart running connectors so they read the new key.`);
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** Runs the CLI; resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = buildCli(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    io.err(explain(error));
    return error instanceof ConfigError ? 2 : 1;
  }
}

/** The token column of `links list`: what a DC operator needs at a glance. */
export function tokenColumn(credential: CredentialSummary): string {
  switch (credential.state) {
    case 'valid':
      return `valid until ${credential.expiresAt?.slice(0, 16).replace('T', ' ')}Z${credential.failedRefreshes > 0 ? ` (${credential.failedRefreshes} failed renewals)` : ''}`;
    case 'expired':
      return `expired, renewal failing${credential.lastErrorCode === null ? '' : ` (${credential.lastErrorCode})`}`;
    case 'needs-reauthorization':
      return 'needs re-authorization';
    case 'none':
      return credential.users.authorized > 0
        ? `${credential.users.authorized} users${credential.users.needReauthorization > 0 ? `, ${credential.users.needReauthorization} to re-authorize` : ''}`
        : 'none';
  }
}
