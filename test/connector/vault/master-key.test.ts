/**
 * Start-up and the master key file (issue 11.9), through `openRuntime`, the path `serve` and the
 * CLI both take: nothing is written when the key that protects the data is missing, and an
 * interrupted `rotate-key --master` is finished or explained.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../connector/src/config';
import { createLogger } from '../../../connector/src/observability/logger';
import { openRuntime, type Runtime } from '../../../connector/src/runtime';
import { VaultError } from '../../../connector/src/vault/errors';
import { KEY_FILE_NAME, masterKeyId, NEXT_SUFFIX, writeKeyFile } from '../../../connector/src/vault/master-key';
import { rotateMasterKey } from '../../../connector/src/vault/rotation';
import { LeakWatch } from '../../helpers/leak-watch';

const SECRET = 'a-client-secret-sealed-before-the-key-went-missing';

describe('start-up and the master key file', () => {
  let dataDir: string;
  let watch: LeakWatch;
  let keyFile: string;
  let nextFile: string;

  const open = (): Promise<Runtime> => openRuntime(loadConfig({ CONNECTOR_DATA_DIR: dataDir }, '/'), createLogger('info', watch.stream));
  const warnings = () => watch.lines.filter((line) => line.includes('"level":40'));

  /** A store with one sealed secret under the key file's key; returns that key's file content. */
  async function storeWithSecret(): Promise<string> {
    const runtime = await open();
    try {
      await runtime.store.secrets.put('owner-1', 'clientSecret', await runtime.vault.seal('owner-1', 'clientSecret', SECRET));
    } finally {
      await runtime.close();
    }
    return watch.secret(readFileSync(keyFile, 'utf8').trim());
  }

  async function expectSecretOpens(runtime: Runtime): Promise<void> {
    const sealed = await runtime.store.secrets.get('owner-1', 'clientSecret');
    await expect(runtime.vault.open('owner-1', 'clientSecret', sealed!)).resolves.toBe(SECRET);
  }

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'applinks-master-key-'));
    keyFile = path.join(dataDir, KEY_FILE_NAME);
    nextFile = `${keyFile}${NEXT_SUFFIX}`;
    watch = new LeakWatch();
    watch.secret(SECRET);
  });
  afterEach(() => {
    expect(watch.leaks()).toEqual([]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('with master.key missing and sealed data in the store, refuses before writing a key file, saying to restore it or set CONNECTOR_MASTER_KEY', async () => {
    const original = await storeWithSecret();
    rmSync(keyFile);
    const before = readdirSync(dataDir).sort();

    const error = await open().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(VaultError);
    expect(error).toMatchObject({ code: 'MASTER_KEY_MISSING' });
    expect((error as Error).message).toMatch(/restore master\.key from your backup/);
    expect((error as Error).message).toContain('CONNECTOR_MASTER_KEY');
    expect((error as Error).message).toContain(masterKeyId(Buffer.from(original, 'base64')));
    expect(existsSync(keyFile)).toBe(false);
    expect(readdirSync(dataDir).sort()).toEqual(before);

    // Restoring the key is all it takes.
    writeFileSync(keyFile, `${original}\n`, { mode: 0o600 });
    const runtime = await open();
    try {
      await expectSecretOpens(runtime);
    } finally {
      await runtime.close();
    }
  });

  it('on a fresh store still creates master.key (mode 0600) on first start', async () => {
    const runtime = await open();
    await runtime.close();
    expect(runtime.masterKey.source).toBe('key-file-created');
    expect(existsSync(keyFile)).toBe(true);
  });

  it('finishes an interrupted rotate-key --master (store switched, master.key.next not renamed) and says so', async () => {
    await storeWithSecret();
    const nextKey = randomBytes(32);
    watch.secret(nextKey.toString('base64'));
    // What rotate-key --master does, stopped just before its rename.
    await writeKeyFile(nextFile, nextKey);
    const runtime = await open();
    try {
      await rotateMasterKey({ store: runtime.store, vault: runtime.vault, next: { key: nextKey, id: masterKeyId(nextKey), source: 'key-file' } });
    } finally {
      await runtime.close();
    }

    const restarted = await open();
    try {
      expect(restarted.masterKey.id).toBe(masterKeyId(nextKey));
      await expectSecretOpens(restarted);
    } finally {
      await restarted.close();
    }
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(nextKey.toString('base64'));
    expect(existsSync(nextFile)).toBe(false);
    expect(warnings().join('\n')).toContain('finished an interrupted rotate-key --master');
  });

  it('keeps master.key and says what to do with a master.key.next left by a rotation that never switched the store', async () => {
    const original = await storeWithSecret();
    const stray = randomBytes(32);
    watch.secret(stray.toString('base64'));
    await writeKeyFile(nextFile, stray);

    const runtime = await open();
    try {
      expect(runtime.masterKey.id).toBe(masterKeyId(Buffer.from(original, 'base64')));
      await expectSecretOpens(runtime);
    } finally {
      await runtime.close();
    }
    expect(existsSync(nextFile)).toBe(true);
    expect(warnings().join('\n')).toMatch(/master\.key\.next in the data directory is left from a rotate-key --master that stopped before it switched the store.*delete master\.key\.next/);
  });

  it('refuses, changing nothing, when neither master.key nor master.key.next opens the store', async () => {
    await storeWithSecret();
    const wrongKey = watch.secret(randomBytes(32).toString('base64'));
    const wrongNext = watch.secret(randomBytes(32).toString('base64'));
    writeFileSync(keyFile, `${wrongKey}\n`, { mode: 0o600 });
    writeFileSync(nextFile, `${wrongNext}\n`, { mode: 0o600 });

    await expect(open()).rejects.toMatchObject({ code: 'MASTER_KEY_MISMATCH', message: expect.stringContaining('neither master.key nor master.key.next') });
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(wrongKey);
    expect(readFileSync(nextFile, 'utf8').trim()).toBe(wrongNext);
  });
});
