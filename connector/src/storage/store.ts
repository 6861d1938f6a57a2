/**
 * The one storage interface of the connector. Two adapters implement it (SQLite for one replica,
 * PostgreSQL for several) and one conformance suite (`test/connector/storage/conformance.test.ts`)
 * holds both to the same behaviour.
 *
 * Records hold metadata only. Secrets live apart, in `secrets`, always as vault ciphertext keyed
 * by (ownerId, field) with the data-key version that sealed them; nothing here ever sees plaintext.
 */

/** The outgoing half of a link as stored: metadata only, no secret. */
export interface LinkRecord {
  id: string;
  name: string;
  remoteKind: string;
  applicationUrl: string;
  displayUrl: string | null;
  authKind: string;
  status: string;
  statusReason: string | null;
  outgoing: {
    clientId: string | null;
    clientSecretSetAt: string | null;
    clientSecretLast4: string | null;
    scopes: string[];
    authorizationEndpoint: string | null;
    tokenEndpoint: string | null;
    revocationEndpoint: string | null;
    apiProbeUrl: string | null;
    tenant: string | null;
    grantType: 'authorization_code' | 'client_credentials';
  };
  createdAt: string;
  updatedAt: string;
  /** Bumped on every update; updates name the version they read (optimistic concurrency). */
  version: number;
}

/** A sealed secret as the vault produced it. */
export interface SealedSecret {
  keyVersion: number;
  ciphertext: string;
}

export interface SecretRow extends SealedSecret {
  ownerId: string;
  field: string;
}

/** Secret writes that go in the same transaction as a record change. */
export interface SecretChanges {
  put?: { field: string; sealed: SealedSecret }[];
  delete?: string[];
}

/** A data-encryption key, wrapped by the master key. */
export interface VaultKeyRow {
  version: number;
  /** Identifies the master key that wrapped it, so a wrong master key is told apart from a corrupt store. */
  masterKeyId: string;
  wrappedKey: string;
  createdAt: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface LinkStore {
  /** Inserts the record and its secrets atomically. Throws `StoreError('ALREADY_EXISTS')` on a duplicate id. */
  create(record: LinkRecord, secrets?: SecretChanges): Promise<void>;
  get(id: string): Promise<LinkRecord | undefined>;
  /** Ordered by creation, then id; `cursor` is opaque and comes from the previous page. */
  list(options: { limit: number; cursor?: string | undefined }): Promise<Page<LinkRecord>>;
  count(): Promise<number>;
  /**
   * Replaces the record (its `version` must be `expectedVersion + 1`) and applies the secret
   * changes atomically. Throws `StoreError('CONFLICT')` when the stored version is not
   * `expectedVersion`, and `StoreError('NOT_FOUND')` when the record is gone.
   */
  update(record: LinkRecord, expectedVersion: number, secrets?: SecretChanges): Promise<void>;
  /** Removes the record and every secret it owns. Returns false when there was nothing to remove. */
  delete(id: string): Promise<boolean>;
}

export interface SecretStore {
  get(ownerId: string, field: string): Promise<SealedSecret | undefined>;
  /** Inserts or replaces one secret. */
  put(ownerId: string, field: string, sealed: SealedSecret): Promise<void>;
  delete(ownerId: string, field: string): Promise<boolean>;
  /** Secrets sealed under a key version lower than `version`, in a stable order, for re-wrapping. */
  listBelowKeyVersion(version: number, limit: number): Promise<SecretRow[]>;
  /**
   * Replaces a secret only if it still holds `expected` ciphertext. Returns false when it changed
   * meanwhile (a concurrent write, which is already under a newer key) or was removed.
   */
  compareAndSwap(ownerId: string, field: string, expected: string, next: SealedSecret): Promise<boolean>;
  countByKeyVersion(): Promise<Map<number, number>>;
}

export interface VaultKeyStore {
  list(): Promise<VaultKeyRow[]>;
  /** Throws `StoreError('ALREADY_EXISTS')` when the version is taken (another process rotated first). */
  insert(row: VaultKeyRow): Promise<void>;
  /** Rewrites every key's wrapping in one transaction (master-key rotation). */
  replaceAll(rows: VaultKeyRow[]): Promise<void>;
  /**
   * Deletes key versions below `version` that no secret references any more. Returns the versions
   * removed. A version still referenced stays (the database enforces it with a foreign key).
   */
  deleteUnreferencedBelow(version: number): Promise<number[]>;
}

/** Small named settings (pairing, schema facts); values are JSON-serialisable, never secrets. */
export interface SettingStore {
  get<T = unknown>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<boolean>;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly links: LinkStore;
  readonly secrets: SecretStore;
  readonly vaultKeys: VaultKeyStore;
  readonly settings: SettingStore;
  /** Applies pending migrations; safe to call from several replicas at once. */
  migrate(): Promise<void>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type StoreErrorCode = 'ALREADY_EXISTS' | 'CONFLICT' | 'NOT_FOUND' | 'STALE_KEY_VERSION' | 'UNAVAILABLE' | 'BAD_CURSOR';

/** Typed storage failure; the adapter-specific cause is kept for the log. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
