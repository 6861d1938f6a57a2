import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createStore } from '../../../connector/src/storage';
import { StoreError, type Store } from '../../../connector/src/storage/store';
import { gcmOpen, gcmSeal } from '../../../connector/src/vault/cipher';
import { masterKeyId, type MasterKey } from '../../../connector/src/vault/master-key';
import { Vault } from '../../../connector/src/vault/vault';

/**
 * The vault's ciphertext format and key bookkeeping, each rule on its own: the GCM box sizes
 * checked before decrypting, every malformed `av1:<version>:<iv>:<sealed>` text refused as such,
 * the data-key view re-read on its interval, and the retry on a retired key taken only for that.
 */

/** What a rejected promise failed with, as plain data (an Error's message and cause are not enumerable). */
async function failure(promise: Promise<unknown>): Promise<{ code: unknown; message: string; cause: 'kept' | undefined } | 'resolved'> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    const e = error as Error & { code?: unknown };
    return { code: e.code, message: e.message, cause: e.cause === undefined ? undefined : 'kept' };
  }
}

const masterKey = (): MasterKey => {
  const key = randomBytes(32);
  return { key, id: masterKeyId(key), source: 'environment' };
};

describe('AES-256-GCM box', () => {
  const key = randomBytes(32);
  const aad = Buffer.from('aad');

  it('seals with a 96-bit IV and appends a 128-bit tag', () => {
    const box = gcmSeal(key, Buffer.from('12345'), aad);
    expect(box.iv).toHaveLength(12);
    expect(box.sealed).toHaveLength(5 + 16);
    expect(gcmSeal(key, Buffer.from('12345'), aad).iv.equals(box.iv)).toBe(false);
  });

  it('refuses an IV that is not 96 bits even when the box would verify under it', () => {
    for (const ivLength of [8, 11, 13, 16]) {
      const iv = randomBytes(ivLength);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
      cipher.setAAD(aad);
      const sealed = Buffer.concat([cipher.update('x'), cipher.final(), cipher.getAuthTag()]);
      expect(() => gcmOpen(key, { iv, sealed }, aad)).toThrow('malformed GCM box');
    }
  });

  it('refuses a box shorter than its tag, and opens an empty plaintext (a tag alone)', () => {
    const empty = gcmSeal(key, Buffer.alloc(0), aad);
    expect(empty.sealed).toHaveLength(16);
    expect(gcmOpen(key, empty, aad)).toHaveLength(0);
    expect(() => gcmOpen(key, { iv: empty.iv, sealed: empty.sealed.subarray(1) }, aad)).toThrow('malformed GCM box');
  });
});

describe('vault ciphertext format and key view', () => {
  let dataDir: string;
  let store: Store;
  let key: MasterKey;
  let nowMs: number;
  let vault: Vault;

  beforeEach(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'vault-format-'));
    store = createStore({ dataDir });
    await store.migrate();
    key = masterKey();
    nowMs = 1_000_000;
    vault = new Vault({ store, masterKey: key, now: () => nowMs });
    await vault.init();
  });
  afterEach(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each([
    ['another format', (c: string) => c.replace(/^av1:/, 'av2:')],
    ['version 0', (c: string) => c.replace(/^av1:1:/, 'av1:0:')],
    ['a version with a leading zero', (c: string) => c.replace(/^av1:1:/, 'av1:01:')],
    ['a version with a letter', (c: string) => c.replace(/^av1:1:/, 'av1:1a:')],
    ['a version of 11 digits', (c: string) => c.replace(/^av1:1:/, 'av1:10000000001:')],
    ['a missing part', (c: string) => c.split(':').slice(0, 3).join(':')],
    ['an extra part', (c: string) => `${c}:extra`],
    ['text before the format', (c: string) => ` ${c}`],
  ])('refuses a ciphertext with %s as not in the vault format', async (_what, spoil) => {
    const sealed = await vault.seal('link-1', 'clientSecret', 'secret');
    expect(await failure(vault.open('link-1', 'clientSecret', { keyVersion: 1, ciphertext: spoil(sealed.ciphertext) }))).toEqual({
      code: 'MALFORMED_CIPHERTEXT',
      message: 'a stored secret is not in the vault format',
      cause: undefined,
    });
  });

  it('reads a ten-digit version, and says a version it does not have is unknown', async () => {
    const sealed = await vault.seal('link-1', 'clientSecret', 'secret');
    const relabelled = sealed.ciphertext.replace(/^av1:1:/, 'av1:1000000000:');
    expect(await failure(vault.open('link-1', 'clientSecret', { keyVersion: 1000000000, ciphertext: relabelled }))).toEqual({
      code: 'UNKNOWN_KEY_VERSION',
      cause: undefined,
      message: 'clientSecret for link-1 is sealed under data key 1000000000, which this store does not have',
    });
  });

  it('refuses a record whose key version disagrees with its ciphertext', async () => {
    const sealed = await vault.seal('link-1', 'clientSecret', 'secret');
    expect(await failure(vault.open('link-1', 'clientSecret', { keyVersion: 2, ciphertext: sealed.ciphertext }))).toEqual({
      code: 'MALFORMED_CIPHERTEXT',
      cause: undefined,
      message: 'the key version of clientSecret for link-1 does not match its ciphertext',
    });
  });

  it('seals with its view of the newest key for 5 seconds, then re-reads the keys', async () => {
    expect(vault.refreshIntervalMs).toBe(5_000);
    await vault.seal('link-1', 'clientSecret', 'warm');
    await store.vaultKeys.insert(vault.wrapNewKey(2));
    nowMs += 5_000;
    expect((await vault.seal('link-1', 'clientSecret', 'a')).keyVersion).toBe(1);
    nowMs += 1;
    expect((await vault.seal('link-1', 'clientSecret', 'b')).keyVersion).toBe(2);
    expect(vault.knownVersions).toEqual([1, 2]);
  });

  it('opens a secret sealed under a key another process added, by re-reading the keys', async () => {
    const other = new Vault({ store, masterKey: key });
    await other.init();
    await store.vaultKeys.insert(other.wrapNewKey(2));
    await other.refresh();
    const sealed = await other.seal('link-1', 'clientSecret', 'newer');
    expect(sealed.keyVersion).toBe(2);
    await expect(vault.open('link-1', 'clientSecret', sealed)).resolves.toBe('newer');
  });

  it('lists its known versions in ascending order and takes the highest as the active one', async () => {
    for (const version of [3, 10, 2]) await store.vaultKeys.insert(vault.wrapNewKey(version));
    await vault.refresh();
    expect(vault.knownVersions).toEqual([1, 2, 3, 10]);
    expect(vault.activeVersion).toBe(10);
  });

  it('has no active key before init', () => {
    const fresh = new Vault({ store, masterKey: key });
    expect(() => fresh.activeVersion).toThrow('vault not initialised: call init() first');
  });

  it('retries a write once with fresh keys only when the store says a key was retired', async () => {
    let calls = 0;
    const stale = () => {
      calls += 1;
      return calls === 1 ? Promise.reject(new StoreError('STALE_KEY_VERSION', 'retired')) : Promise.resolve('written');
    };
    await expect(vault.withFreshKeys(stale)).resolves.toBe('written');
    expect(calls).toBe(2);
    calls = 0;
    const other = () => {
      calls += 1;
      return Promise.reject(new StoreError('ALREADY_EXISTS', 'taken'));
    };
    await expect(vault.withFreshKeys(other)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    expect(calls).toBe(1);
  });

  it('lets two processes initialise an empty store at once: both use the one key 1', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vault-format-'));
    const shared = createStore({ dataDir: dir });
    await shared.migrate();
    try {
      const a = new Vault({ store: shared, masterKey: key });
      const b = new Vault({ store: shared, masterKey: key });
      await Promise.all([a.init(), b.init()]);
      expect([a.knownVersions, b.knownVersions]).toEqual([[1], [1]]);
      const sealed = await a.seal('link-1', 'clientSecret', 'shared');
      await expect(b.open('link-1', 'clientSecret', sealed)).resolves.toBe('shared');
    } finally {
      await shared.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('vault start-up and failures', () => {
  let dataDir: string;
  let store: Store;
  let key: MasterKey;

  beforeEach(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'vault-start-'));
    store = createStore({ dataDir });
    await store.migrate();
    key = masterKey();
  });
  afterEach(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The real store, with a hook run just before the vault inserts a data key (as another replica might act then). */
  const storeWithInsertHook = (hook: () => Promise<void>): Store =>
    Object.create(store, {
      vaultKeys: {
        value: {
          ...store.vaultKeys,
          list: () => store.vaultKeys.list(),
          insert: async (row: Parameters<Store['vaultKeys']['insert']>[0]) => {
            await hook();
            return store.vaultKeys.insert(row);
          },
        },
      },
    }) as Store;

  it('uses the key 1 another replica created between its read and its insert', async () => {
    const other = new Vault({ store, masterKey: key });
    const vault = new Vault({ store: storeWithInsertHook(() => other.init()), masterKey: key });
    await vault.init();
    expect(vault.knownVersions).toEqual([1]);
    const sealed = await other.seal('link-1', 'clientSecret', 'from the other replica');
    await expect(vault.open('link-1', 'clientSecret', sealed)).resolves.toBe('from the other replica');
  });

  it('fails to start when creating the first key fails for any other reason', async () => {
    const broken = storeWithInsertHook(() => Promise.reject(new StoreError('UNAVAILABLE', 'the database went away')));
    expect(await failure(new Vault({ store: broken, masterKey: key }).init())).toMatchObject({ code: 'UNAVAILABLE', message: 'the database went away' });
    const notAStoreError = storeWithInsertHook(() => Promise.reject(new Error('disk full')));
    await expect(new Vault({ store: notAStoreError, masterKey: key }).init()).rejects.toThrow('disk full');
  });

  it('loads the keys on its first seal even when its clock reads zero', async () => {
    await new Vault({ store, masterKey: key }).init();
    const vault = new Vault({ store, masterKey: key, now: () => 0 });
    await expect(vault.seal('link-1', 'clientSecret', 'x')).resolves.toMatchObject({ keyVersion: 1 });
  });

  it('refuses to seal on a store without keys when it was never initialised', async () => {
    await expect(new Vault({ store, masterKey: key }).seal('link-1', 'clientSecret', 'x')).rejects.toThrow('vault not initialised: call init() first');
  });

  it('says which field of which record does not decrypt, naming no secret, and keeps the cause', async () => {
    const vault = new Vault({ store, masterKey: key });
    await vault.init();
    const sealed = await vault.seal('link-1', 'clientSecret', 'the secret text');
    expect(await failure(vault.open('link-2', 'clientSecret', sealed))).toEqual({ code: 'DECRYPT_FAILED', message: 'clientSecret for link-2 does not decrypt: it was altered or belongs to another record', cause: 'kept' });
  });

  it('says which data key does not unwrap, and keeps the cause', async () => {
    await new Vault({ store, masterKey: key }).init();
    const [row] = await store.vaultKeys.list();
    const [format, version, iv, sealed] = row!.wrappedKey.split(':') as [string, string, string, string];
    const flipped = Buffer.from(sealed, 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    await store.vaultKeys.replaceAll([{ ...row!, wrappedKey: [format, version, iv, flipped.toString('base64url')].join(':') }]);
    expect(await failure(new Vault({ store, masterKey: key }).init())).toEqual({ code: 'DECRYPT_FAILED', message: 'data key 1 does not unwrap: the vault_keys table was altered', cause: 'kept' });
  });

  it('names both master-key ids and how to fix a mismatch', async () => {
    await new Vault({ store, masterKey: key }).init();
    const other = masterKey();
    expect(await failure(new Vault({ store, masterKey: other }).init())).toEqual({
      code: 'MASTER_KEY_MISMATCH',
      cause: undefined,
      message:
        `the master key in use (id ${other.id}) is not the one that protects this store (id ${key.id}); ` +
        'set CONNECTOR_MASTER_KEY (or master.key in the data directory) to the key this store was created with, the same on every replica',
    });
  });
});
