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

export interface LoadMasterKeyOptions {
  fromEnvironment?: string | undefined;
  dataDir: string;
  /**
   * The ids of the master keys that wrapped the data keys already in the store (`vault_keys`);
   * empty on a fresh store. It decides whether a missing key file may be created, and which of
   * `master.key` and `master.key.next` is the key after an interrupted master-key rotation.
   */
  wrappedBy: ReadonlySet<string>;
  /** Told what start-up did or found about the key files that an operator should know. */
  onNotice?: (message: string) => void;
}

/**
 * The master key comes from CONNECTOR_MASTER_KEY when set, else from `master.key` in the data
 * directory, created on first start with mode 0600. There is deliberately no "no key" mode.
 *
 * Nothing is written unless it is safe: a key file is created only for a store that holds no
 * sealed data (a new key would not open it, and writing one would hide that the real key is
 * missing), and `master.key.next` replaces `master.key` only when the store's data keys are
 * wrapped under it (`rotate-key --master` switched the store and stopped before the rename).
 */
export async function loadMasterKey(options: LoadMasterKeyOptions): Promise<MasterKey> {
  if (options.fromEnvironment !== undefined && options.fromEnvironment !== '') {
    const key = parseMasterKey(options.fromEnvironment, 'CONNECTOR_MASTER_KEY');
    return { key, id: masterKeyId(key), source: 'environment' };
  }
  const { wrappedBy } = options;
  const notice = options.onNotice ?? (() => undefined);
  const file = path.join(options.dataDir, KEY_FILE_NAME);
  const nextFile = `${file}${NEXT_SUFFIX}`;
  const current = await readKeyFileIfPresent(file);
  const next = await readKeyFileIfPresent(nextFile);
  const opensStore = (key: Buffer) => wrappedBy.size === 0 || wrappedBy.has(masterKeyId(key));

  if (next !== undefined) {
    if (wrappedBy.size > 0 && wrappedBy.has(masterKeyId(next)) && (current === undefined || !opensStore(current))) {
      // The store was switched to the new key; only the rename was left. Finish it, as the CLI would have.
      await fs.rename(nextFile, file);
      notice(
        `finished an interrupted rotate-key --master: the data keys are wrapped under ${KEY_FILE_NAME}${NEXT_SUFFIX}, ` +
          `which is now ${KEY_FILE_NAME} (the previous ${KEY_FILE_NAME} no longer opened this store); back up the new ${KEY_FILE_NAME}`,
      );
      return { key: next, id: masterKeyId(next), source: 'key-file' };
    }
    if (current !== undefined && opensStore(current)) {
      notice(
        `${KEY_FILE_NAME}${NEXT_SUFFIX} in the data directory is left from a rotate-key --master that stopped before it ` +
          `switched the store; nothing is wrapped under it and ${KEY_FILE_NAME} is still the key: delete ${KEY_FILE_NAME}${NEXT_SUFFIX}, ` +
          'and run rotate-key --master again for a new master key',
      );
      return { key: current, id: masterKeyId(current), source: 'key-file' };
    }
    if (current !== undefined || wrappedBy.size > 0) {
      throw new VaultError(
        'MASTER_KEY_MISMATCH',
        `neither ${KEY_FILE_NAME} nor ${KEY_FILE_NAME}${NEXT_SUFFIX} in ${options.dataDir} is the master key that protects this store ` +
          `(id ${[...wrappedBy].join(', ')}); restore that key from your backup as ${KEY_FILE_NAME}, or set CONNECTOR_MASTER_KEY to it. Nothing was changed.`,
      );
    }
  }

  if (current !== undefined) return { key: current, id: masterKeyId(current), source: 'key-file' };
  if (wrappedBy.size > 0) {
    throw new VaultError(
      'MASTER_KEY_MISSING',
      `${file} is missing, and the database holds secrets sealed under a master key (id ${[...wrappedBy].join(', ')}); ` +
        `restore ${KEY_FILE_NAME} from your backup into the data directory, or set CONNECTOR_MASTER_KEY to that key. ` +
        'Nothing was written: a new key would not open them.',
    );
  }
  await fs.mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const created = await createKeyFileIfMissing(file);
  const key = await readKeyFile(file);
  return { key, id: masterKeyId(key), source: created ? 'key-file-created' : 'key-file' };
}

/** Where `rotate-key --master` writes the new key file before it switches the store. */
export const NEXT_SUFFIX = '.next';

async function readKeyFileIfPresent(file: string): Promise<Buffer | undefined> {
  try {
    return await readKeyFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function createKeyFileIfMissing(file: string): Promise<boolean> {
  // The key is written whole to a private temp file, then hard-linked into place: link() fails
  // with EEXIST when the name exists, so two processes starting at once cannot both create a key,
  // and neither can ever read the other's file half-written (O_EXCL on the final name could).
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await fs.open(temp, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY, 0o600);
  try {
    await handle.writeFile(`${randomBytes(KEY_BYTES).toString('base64')}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.link(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await fs.unlink(temp).catch(() => undefined);
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
