/**
 * The one storage interface of the connector. Two adapters implement it (SQLite for one replica,
 * PostgreSQL for several) and one conformance suite (`test/connector/storage/`, one file per sub-store)
 * holds both to the same behaviour.
 *
 * Records hold metadata only. Secrets live apart, in `secrets`, always as vault ciphertext keyed
 * by (ownerId, field) with the data-key version that sealed them; nothing here ever sees plaintext.
 */
import type { AuthKind, LinkStatus, RemoteKind } from '../../../contract';
import type { MonitoringStore, WebhookStore } from './alerts-store';
import type { HealthStore } from './health-store';
import type { AuthStateStore } from './auth-state-store';
import type { SealedSecret } from './sealed-secret';
import type { ConsumerStore } from './consumer-store';
import type { UserConnectionStore } from './user-connection-store';

export type { UserConnectionRecord, UserConnectionStore, UserConnectionView } from './user-connection-store';
export type { AuthStateRecord, AuthStateStore, ConsumeResult } from './auth-state-store';
export type { SealedSecret } from './sealed-secret';
export type { ConsumerRecord, ConsumerStore } from './consumer-store';

/** The outgoing half of a link as stored: metadata only, no secret. */
export interface LinkRecord {
  id: string;
  name: string;
  remoteKind: RemoteKind;
  applicationUrl: string;
  displayUrl: string | null;
  authKind: AuthKind;
  status: LinkStatus;
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
    /** When the client secret expires, as the admin entered it (ISO date or timestamp). */
    secretExpiresAt: string | null;
    /**
     * The link's own client authentication, PKCE and extra authorization parameters (custom
     * providers); null or absent means the preset's (contract/provider-settings.ts). Optional
     * because records built before these fields existed have none.
     */
    clientAuth?: 'body' | 'basic' | null;
    pkce?: boolean | null;
    authorizeParams?: Record<string, string> | null;
    /** Bitbucket Cloud's workspace ID; null (or absent, in records built before it) for other kinds. */
    workspace?: string | null;
  };
  /** Minutes between scheduled checks, null for none; absent in records made before it (the default, 15). */
  checkIntervalMinutes?: number | null;
  createdAt: string;
  updatedAt: string;
  /** Bumped on every update; updates name the version they read (optimistic concurrency). */
  version: number;
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
  /** Which of `ids` are links, in one query. */
  exist(ids: readonly string[]): Promise<Set<string>>;
  /**
   * Replaces the record (its `version` must be `expectedVersion + 1`) and applies the secret
   * changes atomically. Throws `StoreError('CONFLICT')` when the stored version is not
   * `expectedVersion`, and `StoreError('NOT_FOUND')` when the record is gone.
   */
  update(record: LinkRecord, expectedVersion: number, secrets?: SecretChanges): Promise<void>;
  /**
   * Removes the record and, in the same transaction, every secret it owns, its credentials (token
   * records and their sealed tokens) and its pending authorization requests. Returns false when
   * there was nothing to remove.
   */
  delete(id: string): Promise<boolean>;
  /**
   * Sets the runtime status (connected, failing, needs re-authorization) and its reason, bumping
   * `version` and `updatedAt`, in one atomic read-modify-write that no configuration edit can
   * interleave with. Returns false (and writes nothing) when the link is gone or already says so,
   * or when `from` is given and the current status is not in it (checks change only their own).
   */
  setStatus(id: string, status: LinkStatus, reason: string | null, updatedAt: string, options?: { from?: readonly LinkStatus[] }): Promise<boolean>;
}

/** The field under which a link's client secret is sealed in `secrets` (owner: the link id). */
export const CLIENT_SECRET_FIELD = 'clientSecret';

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

/** The owner id under which a credential's tokens are sealed in `secrets` (fields below). */
export function tokenOwnerId(linkId: string, subject: string): string {
  return `token:${linkId}:${subject}`;
}
export const ACCESS_TOKEN_FIELD = 'accessToken';
export const REFRESH_TOKEN_FIELD = 'refreshToken';

/** The owner id under which an authorization request's PKCE verifier is sealed (field `codeVerifier`). */
export function authStateOwnerId(stateId: string): string {
  return `authstate:${stateId}`;
}
export const CODE_VERIFIER_FIELD = 'codeVerifier';

/**
 * One credential's tokens: the link's own (subject '', the pre-configured account) or one user's
 * (subject = account id, impersonating links). Metadata only; the tokens themselves are sealed in
 * `secrets` under `tokenOwnerId(linkId, subject)`.
 */
export interface TokenRecord {
  linkId: string;
  subject: string;
  tokenType: string;
  scopes: string[];
  obtainedAt: string;
  expiresAt: string;
  /** When the scheduler refreshes it: expiry minus a margin and jitter, fixed when the token is saved. */
  refreshAt: string;
  hasRefreshToken: boolean;
  state: 'valid' | 'needs-reauthorization';
  /** Consecutive failed refreshes (not counting invalid_grant, which ends in needs-reauthorization). */
  failureCount: number;
  /** No refresh before this time (back-off after a failure); null when none is pending. */
  nextAttemptAt: string | null;
  lastErrorCode: string | null;
  updatedAt: string;
  /**
   * When the refresh token expires, where the provider said so (`refresh_token_expires_in`).
   * Written by `save` (absent means unknown), kept by `saveRecord`.
   */
  refreshExpiresAt?: string | null;
}

export interface TokenSecrets {
  accessToken: SealedSecret;
  /** Null removes a stored refresh token. */
  refreshToken: SealedSecret | null;
}

export interface StoredToken {
  record: TokenRecord;
  accessToken: SealedSecret;
  refreshToken: SealedSecret | null;
}

/** What `TokenStore.tally` gives per link. */
export interface CredentialTally {
  /** The link's own credential (subject ''), if any. */
  own: TokenRecord | null;
  /** Users' credentials (impersonating links): how many, how many need re-authorization, the soonest expiry of the valid ones. */
  users: number;
  usersNeedingReauthorization: number;
  soonestUserExpiry: string | null;
}

/** Reads and writes of one credential; inside `withLock` they run in the lock's transaction. */
export interface TokenAccess {
  get(linkId: string, subject: string): Promise<StoredToken | undefined>;
  /**
   * Inserts or replaces the record and its sealed tokens atomically, then tells every process (see
   * `onChange`). `record.hasRefreshToken` must say whether `secrets.refreshToken` is given
   * (TypeError otherwise). Throws `StoreError('NOT_FOUND')` when the link does not exist (any more)
   * and `StoreError('STALE_KEY_VERSION')` when a token was sealed under a key that is gone; either
   * way nothing is written.
   */
  save(record: TokenRecord, secrets: TokenSecrets): Promise<void>;
  /**
   * Replaces the record's metadata only (failures, back-off, state); the tokens stay, and so does
   * `hasRefreshToken`, which follows them (a record that changes it is refused with a TypeError).
   * Throws `StoreError('NOT_FOUND')` when no tokens are stored for the credential. Not announced
   * through `onChange`.
   */
  saveRecord(record: TokenRecord): Promise<void>;
}

export type LockResult<T> = { acquired: true; value: T } | { acquired: false };

export interface TokenStore extends TokenAccess {
  /**
   * Runs `work` holding the lock of one credential, across every process that shares the
   * database (PostgreSQL: a transaction-scoped advisory lock, with `work`'s reads and writes in
   * that transaction; SQLite, which serves one process: an in-process lock). With `wait: false`
   * it returns `{acquired: false}` at once when another holder has it. The lock is released when
   * `work` settles. On PostgreSQL a throw rolls back what `work` wrote, and changes are announced
   * when the transaction commits; on SQLite (no transaction can stay open across an await) each
   * write commits on its own. `work` must not take the same credential's lock again (it would wait
   * for itself), and must not use the `access` it was given after it settles.
   */
  withLock<T>(linkId: string, subject: string, options: { wait: boolean }, work: (access: TokenAccess) => Promise<T>): Promise<LockResult<T>>;
  /** Valid tokens with `refreshAt <= before` whose back-off (if any) ended by `now`, the soonest to expire first. */
  listDue(before: string, now: string, limit: number): Promise<TokenRecord[]>;
  listForLink(linkId: string): Promise<TokenRecord[]>;
  /**
   * For list views: for each link among `linkIds` that holds any credential, the record of its own
   * (subject '') and a tally of its users' credentials, in a fixed number of queries whatever the
   * number of links or users.
   */
  tally(linkIds: readonly string[]): Promise<Map<string, CredentialTally>>;
  /** Removes one credential and its sealed tokens (announced through `onChange`). */
  delete(linkId: string, subject: string): Promise<boolean>;
  countByState(): Promise<Record<TokenRecord['state'], number>>;
  /**
   * Calls `listener` when any process saved or removed a credential's tokens (a link's deletion
   * included), once per change, after it committed; returns the unsubscribe function. Best effort
   * across processes: PostgreSQL does not keep notifications for a connection that is down, so
   * listeners use it to drop cached copies early, not as the only way to learn of a change.
   */
  onChange(listener: (linkId: string, subject: string) => void): () => void;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly links: LinkStore;
  readonly secrets: SecretStore;
  readonly vaultKeys: VaultKeyStore;
  readonly settings: SettingStore;
  readonly tokens: TokenStore;
  readonly authStates: AuthStateStore;
  readonly consumers: ConsumerStore;
  /** Forecast facts (certificate expiries) and announced expiry thresholds. */
  readonly monitoring: MonitoringStore;
  /** Alert webhooks: endpoints and the persisted delivery queue. */
  readonly webhooks: WebhookStore;
  readonly health: HealthStore;
  readonly userConnections: UserConnectionStore;
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
