import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createStore } from '../../../connector/src/storage';
import type { Store } from '../../../connector/src/storage/store';
import { gcmOpen } from '../../../connector/src/vault/cipher';
import { masterKeyId, parseMasterKey, type MasterKey } from '../../../connector/src/vault/master-key';
import { Vault } from '../../../connector/src/vault/vault';
import vectors from './vectors/vault.json';

/**
 * Known answers for the vault's stored formats: data keys wrapped under a master key (`vault_keys`,
 * each key version) and secrets sealed under each data key (`av1:<version>:<iv>:<sealed>` with the
 * record, field and version bound in as AAD), plus the master-key id stored beside the wrapped keys.
 *
 * The vectors were made once with the code as released and are opened here by the current code on
 * a real store. If one fails, secrets already stored at customers would not open after an upgrade:
 * change the format (labels, AAD layout, encoding, algorithm) only with a migration, never by
 * regenerating these.
 */

const masterKey = (): MasterKey => {
  const key = parseMasterKey(vectors.masterKey, 'the vector master key');
  return { key, id: masterKeyId(key), source: 'environment' };
};

describe('vault stored formats (known-answer vectors)', () => {
  let dataDir: string;
  let store: Store;

  beforeEach(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'vault-vectors-'));
    store = createStore({ dataDir });
    await store.migrate();
    for (const row of vectors.vaultKeys) await store.vaultKeys.insert(row);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('derives the stored master-key id from the master key', () => {
    expect(masterKey().id).toBe(vectors.masterKeyId);
    for (const row of vectors.vaultKeys) expect(row.masterKeyId).toBe(vectors.masterKeyId);
  });

  it('unwraps every stored data-key version and takes the newest as the one that seals', async () => {
    const vault = new Vault({ store, masterKey: masterKey() });
    await vault.init();
    expect(vault.knownVersions).toEqual(vectors.vaultKeys.map((row) => row.version));
    expect(vault.activeVersion).toBe(2);
  });

  it.each(vectors.secrets.map((s) => [s.field, s.sealed.keyVersion, s] as const))('opens a stored %s sealed under data key %d', async (_field, _version, secret) => {
    const vault = new Vault({ store, masterKey: masterKey() });
    await vault.init();
    await expect(vault.open(secret.ownerId, secret.field, secret.sealed)).resolves.toBe(secret.plaintext);
  });

  it.each(vectors.secrets.map((s) => [s.field, s.sealed.keyVersion, s] as const))('does not open a stored %s (key %d) for another record or field', async (_field, _version, secret) => {
    const vault = new Vault({ store, masterKey: masterKey() });
    await vault.init();
    await expect(vault.open(`${secret.ownerId}x`, secret.field, secret.sealed)).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
    await expect(vault.open(secret.ownerId, `${secret.field}x`, secret.sealed)).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
  });

  it('refuses a stored data key relabelled with another version (the version is bound into the wrapping)', async () => {
    const [one, two] = vectors.vaultKeys as [(typeof vectors.vaultKeys)[number], (typeof vectors.vaultKeys)[number]];
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
    dataDir = mkdtempSync(path.join(tmpdir(), 'vault-vectors-'));
    store = createStore({ dataDir });
    await store.migrate();
    // Version 1's wrapping stored as version 2 (its text relabelled to match).
    await store.vaultKeys.insert(one);
    await store.vaultKeys.insert({ ...two, wrappedKey: one.wrappedKey.replace(/^av1:1:/, 'av1:2:') });
    await expect(new Vault({ store, masterKey: masterKey() }).init()).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
  });

  it.each(vectors.gcm.map((v, i) => [i, v] as const))('opens AES-256-GCM box #%d with its key and AAD', (_i, v) => {
    const box = { iv: Buffer.from(v.iv, 'hex'), sealed: Buffer.from(v.sealed, 'hex') };
    expect(gcmOpen(Buffer.from(v.key, 'hex'), box, Buffer.from(v.aad)).toString('utf8')).toBe(v.plaintext);
    expect(() => gcmOpen(Buffer.from(v.key, 'hex'), box, Buffer.from(`${v.aad}x`))).toThrow();
  });
});
