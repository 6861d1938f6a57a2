import { randomBytes } from 'node:crypto';
import type { SealedSecret, Store, VaultKeyRow } from '../storage/store';
import { StoreError } from '../storage/store';
import { gcmOpen, gcmSeal, KEY_BYTES } from './cipher';
import { VaultError } from './errors';
import type { MasterKey } from './master-key';

/**
 * Envelope encryption for every secret the connector holds.
 *
 * The master key (environment or key file) only wraps data keys; data keys, versioned and stored
 * wrapped in `vault_keys`, seal the secrets. The newest data key seals; any known one opens.
 * Every ciphertext says which data key sealed it (`av1:<version>:<iv>:<sealed>`), and the record
 * id, field name and key version are bound in as additional authenticated data, so a ciphertext
 * copied to another record or field, or relabelled with another version, does not open.
 */
const FORMAT = 'av1';
const WRAP_LABEL = 'applinks-vault-data-key';
const SECRET_LABEL = 'applinks-secret';

export interface VaultOptions {
  store: Store;
  masterKey: MasterKey;
  now?: () => number;
  /** How long this process trusts its view of the newest data key before re-reading it. */
  refreshIntervalMs?: number;
}

interface DataKey {
  version: number;
  key: Buffer;
}

export class Vault {
  private readonly store: Store;
  private readonly masterKey: MasterKey;
  private readonly now: () => number;
  readonly refreshIntervalMs: number;
  private keys = new Map<number, DataKey>();
  private active: DataKey | undefined;
  private loadedAt = 0;

  constructor(options: VaultOptions) {
    this.store = options.store;
    this.masterKey = options.masterKey;
    this.now = options.now ?? Date.now;
    this.refreshIntervalMs = options.refreshIntervalMs ?? 5_000;
  }

  /** Loads the data keys, creating the first one on a fresh store. */
  async init(): Promise<void> {
    await this.refresh();
    // Equivalent mutant (Stryker): `true` here. On a store that has keys, inserting key 1 is refused as
    // ALREADY_EXISTS and ignored, so only a refused write differs.
    if (this.active === undefined) {
      try {
        await this.store.vaultKeys.insert(this.wrapNewKey(1));
      } catch (error) {
        // Another replica created key 1 at the same moment: use theirs.
        if (!(error instanceof StoreError && error.code === 'ALREADY_EXISTS')) throw error;
      }
      await this.refresh();
    }
  }

  /** Re-reads the data keys (after a rotation by another process, or on an unknown version). */
  async refresh(): Promise<void> {
    const rows = await this.store.vaultKeys.list();
    const keys = new Map<number, DataKey>();
    for (const row of rows) {
      const cached = this.keys.get(row.version);
      // After a master-key rotation by another process the rows are wrapped by a key this process
      // does not have yet; the data keys it already unwrapped are the same keys, so it keeps
      // serving with them until it is restarted with the new master key.
      // Equivalent mutant (Stryker): always keeping the cached key, since a version's data key never changes.
      if (cached !== undefined && row.masterKeyId !== this.masterKey.id) keys.set(row.version, cached);
      else keys.set(row.version, { version: row.version, key: this.unwrap(row) });
    }
    this.keys = keys;
    this.active = [...keys.values()].sort((a, b) => b.version - a.version)[0];
    this.loadedAt = this.now();
  }

  get activeVersion(): number {
    if (this.active === undefined) throw new Error('vault not initialised: call init() first');
    return this.active.version;
  }

  get knownVersions(): number[] {
    // Equivalent mutants (Stryker): removing or breaking the sort; the store lists keys ordered by version.
    return [...this.keys.keys()].sort((a, b) => a - b);
  }

  /** Seals a secret for one field of one record with the newest data key. */
  async seal(ownerId: string, field: string, plaintext: string): Promise<SealedSecret> {
    if (this.active === undefined || this.now() - this.loadedAt > this.refreshIntervalMs) await this.refresh();
    return this.sealWith(this.requireActive(), ownerId, field, plaintext);
  }

  /** Opens a sealed secret; throws `VaultError` if it was tampered with or belongs elsewhere. */
  async open(ownerId: string, field: string, sealed: SealedSecret): Promise<string> {
    const parsed = parseCiphertext(sealed.ciphertext);
    if (parsed.version !== sealed.keyVersion) {
      throw new VaultError('MALFORMED_CIPHERTEXT', `the key version of ${field} for ${ownerId} does not match its ciphertext`);
    }
    let dataKey = this.keys.get(parsed.version);
    // Equivalent mutant (Stryker): `true` here costs a read on every open, with the same outcome.
    if (dataKey === undefined) {
      await this.refresh();
      dataKey = this.keys.get(parsed.version);
    }
    if (dataKey === undefined) {
      throw new VaultError('UNKNOWN_KEY_VERSION', `${field} for ${ownerId} is sealed under data key ${parsed.version}, which this store does not have`);
    }
    try {
      return gcmOpen(dataKey.key, { iv: parsed.iv, sealed: parsed.sealed }, secretAad(ownerId, field, parsed.version)).toString('utf8');
    } catch (cause) {
      throw new VaultError('DECRYPT_FAILED', `${field} for ${ownerId} does not decrypt: it was altered or belongs to another record`, { cause });
    }
  }

  /**
   * Runs a write that seals secrets, and runs it once more with fresh keys when the store says a
   * data key it used was retired meanwhile (a rotation finished in another process).
   */
  async withFreshKeys<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (!(error instanceof StoreError && error.code === 'STALE_KEY_VERSION')) throw error;
      await this.refresh();
      return write();
    }
  }

  /** Creates and wraps a new data key with the given version (rotation). */
  wrapNewKey(version: number): VaultKeyRow {
    return this.wrap(version, randomBytes(KEY_BYTES), new Date(this.now()).toISOString());
  }

  /** Re-wraps every known data key under another master key (master-key rotation). */
  rewrapAll(next: MasterKey): VaultKeyRow[] {
    const createdAt = new Date(this.now()).toISOString();
    return [...this.keys.values()].map((k) => wrapWith(next, k.version, k.key, createdAt));
  }

  private sealWith(dataKey: DataKey, ownerId: string, field: string, plaintext: string): SealedSecret {
    const box = gcmSeal(dataKey.key, Buffer.from(plaintext, 'utf8'), secretAad(ownerId, field, dataKey.version));
    return {
      keyVersion: dataKey.version,
      ciphertext: [FORMAT, String(dataKey.version), box.iv.toString('base64url'), box.sealed.toString('base64url')].join(':'),
    };
  }

  private requireActive(): DataKey {
    if (this.active === undefined) throw new Error('vault not initialised: call init() first');
    return this.active;
  }

  private wrap(version: number, key: Buffer, createdAt: string): VaultKeyRow {
    return wrapWith(this.masterKey, version, key, createdAt);
  }

  private unwrap(row: VaultKeyRow): Buffer {
    if (row.masterKeyId !== this.masterKey.id) {
      throw new VaultError(
        'MASTER_KEY_MISMATCH',
        `the master key in use (id ${this.masterKey.id}) is not the one that protects this store (id ${row.masterKeyId}); ` +
          'set CONNECTOR_MASTER_KEY (or master.key in the data directory) to the key this store was created with, the same on every replica',
      );
    }
    const parsed = parseCiphertext(row.wrappedKey);
    try {
      return gcmOpen(this.masterKey.key, { iv: parsed.iv, sealed: parsed.sealed }, wrapAad(row.version));
    } catch (cause) {
      throw new VaultError('DECRYPT_FAILED', `data key ${row.version} does not unwrap: the vault_keys table was altered`, { cause });
    }
  }
}

function wrapWith(master: MasterKey, version: number, key: Buffer, createdAt: string): VaultKeyRow {
  const box = gcmSeal(master.key, key, wrapAad(version));
  return {
    version,
    masterKeyId: master.id,
    wrappedKey: [FORMAT, String(version), box.iv.toString('base64url'), box.sealed.toString('base64url')].join(':'),
    createdAt,
  };
}

function secretAad(ownerId: string, field: string, version: number): Buffer {
  // JSON keeps the parts unambiguous: ("a:b", "c") and ("a", "b:c") give different AAD.
  return Buffer.from(JSON.stringify([SECRET_LABEL, ownerId, field, version]), 'utf8');
}

function wrapAad(version: number): Buffer {
  return Buffer.from(JSON.stringify([WRAP_LABEL, version]), 'utf8');
}

function parseCiphertext(text: string): { version: number; iv: Buffer; sealed: Buffer } {
  const parts = text.split(':');
  const [format, version, iv, sealed] = parts;
  if (parts.length !== 4 || format !== FORMAT || version === undefined || iv === undefined || sealed === undefined || !/^[1-9]\d{0,9}$/.test(version)) {
    throw new VaultError('MALFORMED_CIPHERTEXT', 'a stored secret is not in the vault format');
  }
  return { version: Number(version), iv: Buffer.from(iv, 'base64url'), sealed: Buffer.from(sealed, 'base64url') };
}
