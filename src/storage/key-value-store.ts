/**
 * The small part of Forge's key-value store (`@forge/kvs`) that the app uses, as an interface, so
 * that the real store and an in-memory one for tests are interchangeable (the real one throws
 * outside Forge). Values are JSON; everything read back is parsed by the caller's zod schema.
 */
export interface KeyValueStore {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown, options?: WriteOptions): Promise<void>;
  /**
   * Writes the value and returns the one it replaced, in one atomic step (kvs `set` with
   * `returnValue: 'PREVIOUS'`). It is the only compare-free way to notice a concurrent writer:
   * kvs has no conditional write for plain keys.
   */
  swap(key: string, value: unknown, options?: WriteOptions): Promise<unknown>;
  delete(key: string): Promise<void>;
  /** Keys that begin with `prefix`, in key order, one page at a time (kvs gives at most 20). */
  query(prefix: string, options?: { cursor?: string | undefined; limit?: number | undefined }): Promise<QueryPage>;
  /** Encrypted storage (`kvs.setSecret`): never listed by `query`. */
  getSecret(key: string): Promise<unknown>;
  setSecret(key: string, value: unknown, options?: WriteOptions): Promise<void>;
  deleteSecret(key: string): Promise<void>;

  /** A custom entity by key (Custom Entity Store, `kvs.entity(name).get`). */
  getEntity(entity: string, key: string): Promise<unknown>;
  /** One page of an entity's index, in the order of its range attribute (`kvs.entity(name).query().index(...)`). */
  queryEntity(entity: string, query: EntityQuery): Promise<QueryPage>;
  /**
   * Custom-entity writes that all happen or none (`kvs.transact()`): every condition is checked
   * against what is stored when the transaction runs; one that does not hold fails the whole
   * transaction with `StorageError('CONDITION_FAILED')`. This is the only conditional write Forge has.
   */
  transact(operations: readonly EntityOperation[]): Promise<void>;
}

export interface EntityQuery {
  index: string;
  /** Values of the index's partition attributes, when it has any. */
  partition?: (string | number | boolean)[];
  sort?: 'ASC' | 'DESC';
  /** At most `KVS_LIMITS.entityPageSize`; Forge's default is 10. */
  limit?: number;
  cursor?: string | undefined;
}

/** A condition on the stored entity: an attribute equals a value, or the entity does not exist yet. */
export type EntityCondition = { attribute: string; equals: string | number | boolean } | { attribute: string; exists: false };

export type EntityOperation =
  | { kind: 'set'; entity: string; key: string; value: Record<string, unknown>; condition?: EntityCondition }
  | { kind: 'delete'; entity: string; key: string; condition?: EntityCondition }
  /** A condition on an entity the transaction does not write (`transaction.check`): it fails the whole transaction when it does not hold. */
  | { kind: 'check'; entity: string; key: string; condition: EntityCondition };

export interface WriteOptions {
  /** Time to live. Forge may remove expired values late, so readers still check their own expiry. */
  ttlSeconds?: number;
}

export interface QueryPage {
  items: { key: string; value: unknown }[];
  /** Undefined on the last page. */
  nextCursor: string | undefined;
}

/** Forge's documented limits (developer.atlassian.com/platform/forge/limits-kvs-ce). */
export const KVS_LIMITS = {
  keyLength: 500,
  keyPattern: /^(?!\s+$)[a-zA-Z0-9:._\s\-#]+$/,
  valueBytes: 240 * 1024,
  secretBytes: 128 * 1024,
  objectDepth: 31,
  queryPageSize: 20,
  /** Custom Entity Store queries: 10 a page by default, 100 at most. */
  entityPageSize: 100,
  entityPageDefault: 10,
  /** Operations in one transaction. */
  transactionOperations: 25,
} as const;

export type StorageErrorCode = 'INVALID_KEY' | 'VALUE_TOO_LARGE' | 'INVALID_VALUE' | 'STORE_FAILED' | 'CONDITION_FAILED' | 'INVALID_CURSOR' | 'INVALID_QUERY';

export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
