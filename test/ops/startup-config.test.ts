import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConfigError, loadConfig } from '../../connector/src/config';
import { publicUrlWarning } from '../../connector/src/ops/public-url';

/**
 * What an operator's service manager hands the connector at start-up: secrets as files
 * (`<NAME>_FILE`, systemd's LoadCredential=), and a public URL that must be https in production.
 */
describe('secrets read from files named by <NAME>_FILE', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'secret-files-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function secretFile(name: string, content: string, mode = 0o400): string {
    const file = path.join(dir, name);
    writeFileSync(file, content, { mode });
    chmodSync(file, mode);
    return file;
  }

  function problemsOf(env: NodeJS.ProcessEnv): string {
    try {
      loadConfig(env, dir);
    } catch (error) {
      if (error instanceof ConfigError) return error.message;
      throw error;
    }
    throw new Error('loadConfig accepted the configuration');
  }

  it('reads the master key and the operator token from files, trailing newline and all', () => {
    const key = randomBytes(32).toString('base64');
    const token = randomBytes(32).toString('hex');
    const config = loadConfig({ CONNECTOR_MASTER_KEY_FILE: secretFile('master-key', `${key}\n`), CONNECTOR_ADMIN_TOKEN_FILE: secretFile('admin-token', `${token}\n`, 0o440) }, dir);
    expect(config.masterKey).toBe(key);
    expect(config.adminToken).toBe(token);
  });

  it('refuses a file every user can read, and names the variable and the fix', () => {
    const key = randomBytes(32).toString('base64');
    const message = problemsOf({ CONNECTOR_MASTER_KEY_FILE: secretFile('master-key', key, 0o644) });
    expect(message).toContain('CONNECTOR_MASTER_KEY_FILE');
    expect(message).toContain('chmod 600');
    expect(message).not.toContain(key);
  });

  it('refuses the variable and its _FILE twin set together', () => {
    const key = randomBytes(32).toString('base64');
    const message = problemsOf({ CONNECTOR_MASTER_KEY: key, CONNECTOR_MASTER_KEY_FILE: secretFile('master-key', key) });
    expect(message).toContain('CONNECTOR_MASTER_KEY_FILE is set together with CONNECTOR_MASTER_KEY');
    expect(message).not.toContain(key);
  });

  it('blames the file variable for a bad key in the file, without echoing the content', () => {
    const message = problemsOf({ CONNECTOR_MASTER_KEY_FILE: secretFile('master-key', 'not-a-32-byte-key') });
    expect(message).toMatch(/CONNECTOR_MASTER_KEY_FILE must/);
    expect(message).not.toContain('not-a-32-byte-key');
  });

  it('says which file cannot be read', () => {
    const missing = path.join(dir, 'absent');
    expect(problemsOf({ CONNECTOR_ADMIN_TOKEN_FILE: missing })).toContain(`CONNECTOR_ADMIN_TOKEN_FILE names ${missing}, which cannot be read (ENOENT)`);
  });
});

describe('the start-up warning about the public URL', () => {
  it('warns when the public URL is plain http, and says what to set', () => {
    expect(publicUrlWarning('http://127.0.0.1:8787')).toMatch(/^public URL http:\/\/127.0.0.1:8787 is not https: .*CONNECTOR_PUBLIC_URL/);
  });

  it('is silent for an https public URL, with or without a path', () => {
    expect(publicUrlWarning('https://connector.example.com')).toBeUndefined();
    expect(publicUrlWarning('https://dc.example.com/applinks')).toBeUndefined();
  });
});
