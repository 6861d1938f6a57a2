import { randomBytes } from 'node:crypto';
import { ConfigError, DEFAULT_FORGE_JWKS_URL, loadConfig } from '../../connector/src/config';

function problems(env: NodeJS.ProcessEnv): { variable: string; message: string }[] {
  try {
    loadConfig(env, '/srv/connector');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration from the environment', () => {
  it('starts on the documented defaults with nothing set', () => {
    expect(loadConfig({}, '/srv/connector')).toEqual({
      port: 8787,
      host: '127.0.0.1',
      dataDir: '/srv/connector/.data',
      databaseUrl: undefined,
      masterKey: undefined,
      publicUrl: 'http://127.0.0.1:8787',
      adminToken: undefined,
      allowedHosts: [],
      forgeAppId: undefined,
      forgeJwksUrl: DEFAULT_FORGE_JWKS_URL,
      logLevel: 'info',
      serveLockWaitMs: 15_000,
      trustProxy: false,
    });
  });

  it('reads every variable of the contract', () => {
    const key = randomBytes(32).toString('base64');
    const config = loadConfig(
      {
        CONNECTOR_PORT: '9000',
        CONNECTOR_HOST: '0.0.0.0',
        CONNECTOR_DATA_DIR: '/var/lib/applinks',
        DATABASE_URL: 'postgres://u:p@db:5432/applinks',
        CONNECTOR_MASTER_KEY: key,
        CONNECTOR_PUBLIC_URL: 'https://connector.example.com/',
        CONNECTOR_ADMIN_TOKEN: 'a'.repeat(32),
        CONNECTOR_ALLOWED_HOSTS: 'jira.internal, 10.0.0.5:8443,*.corp.example',
        FORGE_APP_ID: 'ari:cloud:ecosystem::app/0b7b8a52-53b4-4e7c-9c57-1d0f6a6b8e11',
        FORGE_JWKS_URL: 'http://127.0.0.1:5000/jwks.json',
        CONNECTOR_SERVE_WAIT_SECONDS: '0',
      },
      '/',
    );
    expect(config).toMatchObject({
      port: 9000,
      host: '0.0.0.0',
      dataDir: '/var/lib/applinks',
      databaseUrl: 'postgres://u:p@db:5432/applinks',
      masterKey: key,
      publicUrl: 'https://connector.example.com',
      allowedHosts: ['jira.internal', '10.0.0.5:8443', '*.corp.example'],
      forgeJwksUrl: 'http://127.0.0.1:5000/jwks.json',
      serveLockWaitMs: 0,
    });
  });

  it.each([
    ['CONNECTOR_PORT', 'abc', /whole number/],
    ['CONNECTOR_PORT', '70000', /whole number/],
    ['DATABASE_URL', 'mysql://x', /postgres/],
    ['CONNECTOR_MASTER_KEY', randomBytes(16).toString('base64'), /32 bytes/],
    ['CONNECTOR_MASTER_KEY', 'not base64!!', /base64/],
    ['CONNECTOR_PUBLIC_URL', 'connector.example.com', /absolute URL/],
    ['CONNECTOR_ADMIN_TOKEN', 'short', /at least 32/],
    ['CONNECTOR_ALLOWED_HOSTS', 'ok.example, bad host', /host names/],
    ['FORGE_APP_ID', 'my-app', /ari:cloud:ecosystem::app/],
    ['FORGE_JWKS_URL', 'nope', /JWKS/],
    ['CONNECTOR_LOG_LEVEL', 'loud', /.+/],
    ['CONNECTOR_SERVE_WAIT_SECONDS', '5s', /whole number of seconds/],
    ['CONNECTOR_SERVE_WAIT_SECONDS', '7200', /whole number of seconds/],
  ])('names %s when it is %s', (variable, value, message) => {
    const found = problems({ [variable]: value });
    expect(found).toHaveLength(1);
    expect(found[0]?.variable).toBe(variable);
    expect(found[0]?.message).toMatch(message);
  });

  it('reports every bad variable at once, and never echoes the value of a secret one', () => {
    const secretish = 'postgres-password-that-is-wrong';
    const found = problems({ CONNECTOR_PORT: 'x', CONNECTOR_ADMIN_TOKEN: 'tiny-secret', DATABASE_URL: `mysql://root:${secretish}@db` });
    expect(found.map((p) => p.variable).sort()).toEqual(['CONNECTOR_ADMIN_TOKEN', 'CONNECTOR_PORT', 'DATABASE_URL']);
    const text = new ConfigError(found).message;
    expect(text).toContain('(got "x")');
    expect(text).not.toContain('tiny-secret');
    expect(text).not.toContain(secretish);
  });
});
