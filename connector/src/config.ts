import * as path from 'node:path';
import { z } from 'zod';
import { readSecretFiles } from './secret-files';
import { TrustProxySchema, type TrustProxy } from './trust-proxy';

/**
 * The connector's configuration, read from the environment once at start and validated here.
 * An invalid value stops start-up with a message that names the variable and what it expects;
 * values of secret variables are never echoed.
 */
export interface ConnectorConfig {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  masterKey: string | undefined;
  publicUrl: string;
  adminToken: string | undefined;
  /**
   * Bearer token that `/metrics` requires when set (a Prometheus scrape credential, apart from the
   * operator's); unset, `/metrics` answers anyone who can reach the port.
   */
  metricsToken: string | undefined;
  allowedHosts: string[];
  forgeAppId: string | undefined;
  forgeJwksUrl: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /**
   * SQLite only: how long `serve` waits for another server on the same data directory to stop
   * (a rolling restart) before refusing to start.
   */
  serveLockWaitMs: number;
  /** Which reverse proxies' X-Forwarded-For is believed (see trust-proxy.ts); false by default. */
  trustProxy: TrustProxy;
}

/**
 * The connector's OAuth 2.0 callback, which the admin registers in the remote as the redirect URI.
 * Derived from the public URL only, so every part that names it (authorization, refresh, test
 * connection, link views) sends the very same string: providers compare redirect URIs exactly.
 */
export function redirectUriOf(config: Pick<ConnectorConfig, 'publicUrl'>): string {
  return `${config.publicUrl}/oauth/callback`;
}

export const DEFAULT_FORGE_JWKS_URL = 'https://forge.cdn.prod.atlassian-dev.net/.well-known/jwks.json';

/** Variables whose values must never appear in an error message. */
const SECRET_VARIABLES = new Set(['CONNECTOR_MASTER_KEY', 'CONNECTOR_ADMIN_TOKEN', 'CONNECTOR_METRICS_TOKEN', 'DATABASE_URL']);

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const hostPattern = /^(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

const EnvSchema = z.object({
  CONNECTOR_PORT: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === '' ? '8787' : v))
    .pipe(z.string().regex(/^\d+$/, 'must be a whole number from 0 to 65535').transform(Number).pipe(z.number().max(65535, 'must be a whole number from 0 to 65535'))),
  CONNECTOR_HOST: optionalText.transform((v) => v ?? '127.0.0.1'),
  CONNECTOR_DATA_DIR: optionalText.transform((v) => v ?? '.data'),
  DATABASE_URL: optionalText.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// connection URL')
      .optional(),
  ),
  CONNECTOR_MASTER_KEY: optionalText.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9+/_-]+={0,2}$/, 'must be base64 of 32 random bytes (openssl rand -base64 32)')
      .refine((v) => Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64').length === 32, 'must decode to exactly 32 bytes (openssl rand -base64 32)')
      .optional(),
  ),
  CONNECTOR_PUBLIC_URL: optionalText.pipe(
    z
      .string()
      .url('must be an absolute URL such as https://connector.example.com')
      .refine((v) => /^https?:\/\//.test(v), 'must start with https:// (or http:// for local use)')
      .optional(),
  ),
  CONNECTOR_ADMIN_TOKEN: optionalText.pipe(z.string().min(32, 'must be at least 32 characters (openssl rand -hex 32)').optional()),
  CONNECTOR_METRICS_TOKEN: optionalText.pipe(z.string().min(32, 'must be at least 32 characters (openssl rand -hex 32)').regex(/^[A-Za-z0-9\-._~+/]+=*$/, 'must be a bearer token (letters, digits and -._~+/ only)').optional()),
  CONNECTOR_ALLOWED_HOSTS: optionalText.transform((v, ctx) => {
    const hosts = (v ?? '').split(',').map((h) => h.trim().toLowerCase()).filter((h) => h !== '');
    for (const host of hosts) {
      if (!hostPattern.test(host)) {
        ctx.addIssue({ code: 'custom', message: `must be a comma-separated list of host names or host:port ("${host}" is neither)` });
        return z.NEVER;
      }
    }
    return hosts;
  }),
  FORGE_APP_ID: optionalText.pipe(
    z
      .string()
      .regex(/^ari:cloud:ecosystem::app\/[0-9a-f-]{36}$/, 'must be the app ARI, ari:cloud:ecosystem::app/<uuid> (see manifest.yml app.id)')
      .optional(),
  ),
  FORGE_JWKS_URL: optionalText.pipe(z.string().url('must be the URL of a JWKS document').optional()),
  CONNECTOR_SERVE_WAIT_SECONDS: optionalText
    .transform((v) => v ?? '15')
    .pipe(z.string().regex(/^\d+$/, 'must be a whole number of seconds from 0 to 3600').transform(Number).pipe(z.number().max(3600, 'must be a whole number of seconds from 0 to 3600'))),
  CONNECTOR_LOG_LEVEL: optionalText.pipe(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional()),
  CONNECTOR_TRUST_PROXY: optionalText.pipe(TrustProxySchema),
});

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p.variable} ${p.message}`).join('\n')}`);
  }
}

export function loadConfig(env: NodeJS.ProcessEnv, cwd: string = process.cwd()): ConnectorConfig {
  const files = readSecretFiles(env);
  if (files.problems.length > 0) throw new ConfigError(files.problems);
  const result = EnvSchema.safeParse(files.env);
  if (!result.success) {
    const problems = new Map<string, string>();
    for (const issue of result.error.issues) {
      const variable = files.origin(String(issue.path[0] ?? 'environment'));
      // One message per variable: the first check that failed says what is expected.
      if (problems.has(variable)) continue;
      const got = SECRET_VARIABLES.has(variable) || variable.endsWith('_FILE') ? '' : describeValue(env[variable]);
      problems.set(variable, `${issue.message}${got}`);
    }
    throw new ConfigError([...problems].map(([variable, message]) => ({ variable, message })));
  }
  const e = result.data;
  const dataDir = path.resolve(cwd, e.CONNECTOR_DATA_DIR);
  const shownHost = e.CONNECTOR_HOST.includes(':') ? `[${e.CONNECTOR_HOST}]` : e.CONNECTOR_HOST;
  return {
    port: e.CONNECTOR_PORT,
    host: e.CONNECTOR_HOST,
    dataDir,
    databaseUrl: e.DATABASE_URL,
    masterKey: e.CONNECTOR_MASTER_KEY,
    publicUrl: (e.CONNECTOR_PUBLIC_URL ?? `http://${shownHost}:${e.CONNECTOR_PORT}`).replace(/\/+$/, ''),
    adminToken: e.CONNECTOR_ADMIN_TOKEN,
    metricsToken: e.CONNECTOR_METRICS_TOKEN,
    allowedHosts: e.CONNECTOR_ALLOWED_HOSTS,
    forgeAppId: e.FORGE_APP_ID,
    forgeJwksUrl: e.FORGE_JWKS_URL ?? DEFAULT_FORGE_JWKS_URL,
    logLevel: e.CONNECTOR_LOG_LEVEL ?? 'info',
    serveLockWaitMs: e.CONNECTOR_SERVE_WAIT_SECONDS * 1000,
    trustProxy: e.CONNECTOR_TRUST_PROXY,
  };
}

function describeValue(value: string | undefined): string {
  if (value === undefined) return ' (it is not set)';
  const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
  return ` (got "${shown}")`;
}
