import { createHmac, randomBytes } from 'node:crypto';
import { promises as fs, constants as fsConstants } from 'node:fs';
import * as path from 'node:path';
import { KEY_BYTES } from './cipher';
import { VaultError } from './errors';

export const KEY_FILE_NAME = 'master.key';

export interface MasterKey {
  key: Buffer;
  /** Public identifier of the key (HMAC of a fixed label), stored beside wrapped data keys. */
  id: string;
  source: 'environment' | 'key-file-created' | 'key-file';
}

export function masterKeyId(key: Buffer): string {
  return createHmac('sha256', key).update('applinks-connector master key id v1').digest('hex').slice(0, 16);
}

/** Decodes a base64 (or base64url) master key and insists on exactly 32 bytes. */
export function parseMasterKey(encoded: string, origin: string): Buffer {
  const text = encoded.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
    throw new VaultError('MASTER_KEY_INVALID', `${origin} must be base64 of 32 random bytes (for example: openssl rand -base64 32)`);
  }
  const key = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (key.length !== KEY_BYTES) {
    throw new VaultError('MASTER_KEY_INVALID', `${origin} must decode to 32 bytes, it decodes to ${key.length}`);
  }
  return key;
}

/**
 * The master key comes from CONNECTOR_MASTER_KEY when set, else from `master.key` in the data
 * directory, created on first start with mode 0600. There is deliberately no "no key" mode.
 */
export async function loadMasterKey(options: { fromEnvironment?: string | undefined; dataDir: string }): Promise<MasterKey> {
  if (options.fromEnvironment !== undefined && options.fromEnvironment !== '') {
    const key = parseMasterKey(options.fromEnvironment, 'CONNECTOR_MASTER_KEY');
    return { key, id: masterKeyId(key), source: 'environment' };
  }
  const file = path.join(options.dataDir, KEY_FILE_NAME);
  await fs.mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const created = await createKeyFileIfMissing(file);
  const key = await readKeyFile(file);
  return { key, id: masterKeyId(key), source: created ? 'key-file-created' : 'key-file' };
}

async function createKeyFileIfMissing(file: string): Promise<boolean> {
  try {
    // 'wx' creates exclusively: two processes starting at once cannot both write a key.
    const handle = await fs.open(file, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY, 0o600);
    try {
      await handle.writeFile(`${randomBytes(KEY_BYTES).toString('base64')}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

async function readKeyFile(file: string): Promise<Buffer> {
  const stat = await fs.stat(file);
  if ((stat.mode & 0o077) !== 0) {
    throw new VaultError(
      'KEY_FILE_INSECURE',
      `${file} can be read by other users (mode ${(stat.mode & 0o777).toString(8)}); run: chmod 600 ${file}`,
    );
  }
  return parseMasterKey(await fs.readFile(file, 'utf8'), file);
}

/** Writes a key file atomically (temp file with 0600, then rename). */
export async function writeKeyFile(file: string, key: Buffer): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temp, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  await fs.rename(temp, file);
}
