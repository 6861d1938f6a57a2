import { KVS_LIMITS, StorageError, type EntityOperation, type EntityQuery, type KeyValueStore, type QueryPage, type WriteOptions } from '../src/storage/key-value-store';
import { MemoryEntityStore } from './memory-entity-store';

interface Entry {
  json: string;
  expiresAt: number | undefined;
}

export interface MemoryStoreSnapshot {
  values: Record<string, { json: string; expiresAt?: number | undefined }>;
  secrets: Record<string, { json: string; expiresAt?: number | undefined }>;
  /** Custom entities by entity name and key (absent in files written before entities existed). */
  entities?: Record<string, Record<string, string>>;
}

export type StoreOperation = 'get' | 'set' | 'swap' | 'delete' | 'query' | 'getSecret' | 'setSecret' | 'deleteSecret' | 'getEntity' | 'queryEntity' | 'transact';

export interface MemoryKeyValueStoreOptions {
  now?: () => Date;
  /**
   * Forge removes expired values some time after they expire. `false` keeps serving them, so tests
   * can prove that readers check expiry themselves.
   */
  hideExpired?: boolean;
  /** Called before every operation (counting calls, injecting failures). */
  onOperation?: (operation: StoreOperation, key: string) => void | Promise<void>;
}

/**
 * The key-value store in memory, with kvs's rules: values round-trip through JSON, keys and sizes
 * are checked against Forge's limits, queries page at 20, and every call yields to the event loop
 * so that concurrent callers interleave as they would against the real service.
 */
export class MemoryKeyValueStore implements KeyValueStore {
  private readonly values = new Map<string, Entry>();
  private readonly secrets = new Map<string, Entry>();
  private readonly entities = new MemoryEntityStore();
  private readonly now: () => Date;

  constructor(private readonly options: MemoryKeyValueStoreOptions = {}) {
    this.now = options.now ?? (() => new Date());
  }

  async get(key: string): Promise<unknown> {
    await this.enter('get', key);
    return this.read(this.values, key);
  }

  async set(key: string, value: unknown, options?: WriteOptions): Promise<void> {
    await this.enter('set', key);
    this.write(this.values, key, value, options, KVS_LIMITS.valueBytes);
  }

  async swap(key: string, value: unknown, options?: WriteOptions): Promise<unknown> {
    await this.enter('swap', key);
    const previous = this.read(this.values, key);
    this.write(this.values, key, value, options, KVS_LIMITS.valueBytes);
    return previous;
  }

  async delete(key: string): Promise<void> {
    await this.enter('delete', key);
    this.values.delete(key);
  }

  async query(prefix: string, options: { cursor?: string | undefined; limit?: number | undefined } = {}): Promise<QueryPage> {
    await this.enter('query', prefix);
    const limit = Math.min(options.limit ?? KVS_LIMITS.queryPageSize, KVS_LIMITS.queryPageSize);
    const after = options.cursor === undefined ? undefined : Buffer.from(options.cursor, 'base64url').toString('utf8');
    const keys = [...this.values.keys()]
      .filter((key) => key.startsWith(prefix) && (after === undefined || key > after) && this.live(this.values.get(key)))
      .sort();
    const page = keys.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((key) => ({ key, value: this.read(this.values, key) })),
      nextCursor: keys.length > limit && last !== undefined ? Buffer.from(last, 'utf8').toString('base64url') : undefined,
    };
  }

  async getSecret(key: string): Promise<unknown> {
    await this.enter('getSecret', key);
    return this.read(this.secrets, key);
  }

  async setSecret(key: string, value: unknown, options?: WriteOptions): Promise<void> {
    await this.enter('setSecret', key);
    this.write(this.secrets, key, value, options, KVS_LIMITS.secretBytes);
  }

  async deleteSecret(key: string): Promise<void> {
    await this.enter('deleteSecret', key);
    this.secrets.delete(key);
  }

  async getEntity(entity: string, key: string): Promise<unknown> {
    await this.enter('getEntity', key);
    return this.entities.get(entity, key);
  }

  async queryEntity(entity: string, query: EntityQuery): Promise<QueryPage> {
    await this.enter('queryEntity', `${entity}/${query.index}`);
    return this.entities.query(entity, query);
  }

  async transact(operations: readonly EntityOperation[]): Promise<void> {
    await this.enter('transact', operations.map((o) => o.key).join(','));
    this.entities.transact(operations);
  }

  /** Everything stored, as the JSON kvs would hold: for assertions that no secret leaked into it. */
  dump(): { values: Record<string, string>; secrets: Record<string, string> } {
    const out = (map: Map<string, Entry>) => Object.fromEntries([...map].map(([key, entry]) => [key, entry.json]));
    const entities = Object.fromEntries(Object.entries(this.entities.snapshot()).flatMap(([name, rows]) => Object.entries(rows).map(([key, json]) => [`${name}/${key}`, json])));
    return { values: { ...out(this.values), ...entities }, secrets: out(this.secrets) };
  }

  /** Every entry with its expiry, to keep the store somewhere else (the local preview keeps it in a file). */
  snapshot(): MemoryStoreSnapshot {
    const out = (map: Map<string, Entry>) => Object.fromEntries([...map].filter(([, entry]) => this.live(entry)).map(([key, entry]) => [key, { ...entry }]));
    return { values: out(this.values), secrets: out(this.secrets), entities: this.entities.snapshot() };
  }

  /** Replaces everything with a snapshot taken earlier. */
  restore(snapshot: MemoryStoreSnapshot): void {
    this.values.clear();
    this.secrets.clear();
    this.entities.restore(snapshot.entities);
    for (const [key, entry] of Object.entries(snapshot.values)) this.values.set(key, { json: entry.json, expiresAt: entry.expiresAt ?? undefined });
    for (const [key, entry] of Object.entries(snapshot.secrets)) this.secrets.set(key, { json: entry.json, expiresAt: entry.expiresAt ?? undefined });
  }

  private async enter(operation: StoreOperation, key: string): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    await this.options.onOperation?.(operation, key);
    if (operation !== 'query' && operation !== 'queryEntity' && operation !== 'transact') checkKey(key);
  }

  private live(entry: Entry | undefined): entry is Entry {
    if (entry === undefined) return false;
    if (this.options.hideExpired === false) return true;
    return entry.expiresAt === undefined || entry.expiresAt > this.now().getTime();
  }

  private read(map: Map<string, Entry>, key: string): unknown {
    const entry = map.get(key);
    return this.live(entry) ? JSON.parse(entry.json) : undefined;
  }

  private write(map: Map<string, Entry>, key: string, value: unknown, options: WriteOptions | undefined, maxBytes: number): void {
    if (value === undefined) throw new StorageError('INVALID_VALUE', `Refusing to store undefined at ${key}.`);
    const json = JSON.stringify(value);
    if (Buffer.byteLength(json, 'utf8') > maxBytes) throw new StorageError('VALUE_TOO_LARGE', `The value for ${key} is larger than ${maxBytes} bytes.`);
    if (depth(value) > KVS_LIMITS.objectDepth) throw new StorageError('INVALID_VALUE', `The value for ${key} nests deeper than ${KVS_LIMITS.objectDepth}.`);
    const ttl = options?.ttlSeconds;
    map.set(key, { json, expiresAt: ttl === undefined ? undefined : this.now().getTime() + ttl * 1000 });
  }
}

export function checkKey(key: string): void {
  if (key.length === 0 || key.length > KVS_LIMITS.keyLength || !KVS_LIMITS.keyPattern.test(key)) {
    throw new StorageError('INVALID_KEY', `"${key.slice(0, 60)}" is not a valid kvs key.`);
  }
}

function depth(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + children.reduce<number>((max, child) => Math.max(max, depth(child)), 0);
}
