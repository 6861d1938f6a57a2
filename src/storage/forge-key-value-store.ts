import type { kvs as forgeKvs } from '@forge/kvs';
import { KVS_LIMITS, StorageError, type KeyValueStore, type QueryPage, type WriteOptions } from './key-value-store';

/** The `@forge/kvs` client, or anything shaped like it. */
export type ForgeKvsClient = Pick<typeof forgeKvs, 'get' | 'set' | 'delete' | 'query' | 'getSecret' | 'setSecret' | 'deleteSecret'>;

/** kvs takes TTLs as a value and a unit; the largest unit that divides the seconds keeps values small. */
function ttlOf(options: WriteOptions | undefined): { ttl: { value: number; unit: 'SECONDS' | 'MINUTES' | 'HOURS' | 'DAYS' } } | Record<string, never> {
  const seconds = options?.ttlSeconds;
  if (seconds === undefined) return {};
  const whole = Math.max(1, Math.ceil(seconds));
  if (whole % 86400 === 0) return { ttl: { value: whole / 86400, unit: 'DAYS' } };
  if (whole % 3600 === 0) return { ttl: { value: whole / 3600, unit: 'HOURS' } };
  if (whole % 60 === 0) return { ttl: { value: whole / 60, unit: 'MINUTES' } };
  return { ttl: { value: whole, unit: 'SECONDS' } };
}

async function guarded<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    // The kvs client's errors carry request details, not values; keep them as the cause for the log.
    throw new StorageError('STORE_FAILED', `Forge storage failed to ${what}.`, { cause: error });
  }
}

/** The app's key-value store on Forge's hosted kvs. */
export function forgeKeyValueStore(client: ForgeKvsClient): KeyValueStore {
  return {
    get: (key) => guarded('read a value', () => client.get<unknown>(key)),
    set: (key, value, options) => guarded('write a value', () => client.set(key, value, ttlOf(options))),
    swap: (key, value, options) =>
      guarded('write a value', async () => {
        const previous = await client.set<unknown>(key, value, { ...ttlOf(options), keyPolicy: 'OVERRIDE', returnValue: 'PREVIOUS' });
        return previous?.value;
      }),
    delete: (key) => guarded('delete a value', () => client.delete(key)),
    query: (prefix, options = {}) =>
      guarded('list values', async (): Promise<QueryPage> => {
        let builder = client
          .query()
          .where('key', { condition: 'BEGINS_WITH', values: [prefix] })
          .limit(Math.min(options.limit ?? KVS_LIMITS.queryPageSize, KVS_LIMITS.queryPageSize));
        if (options.cursor !== undefined) builder = builder.cursor(options.cursor);
        const page = await builder.getMany<unknown>();
        return { items: page.results.map((r) => ({ key: r.key, value: r.value })), nextCursor: page.nextCursor || undefined };
      }),
    getSecret: (key) => guarded('read a secret', () => client.getSecret<unknown>(key)),
    setSecret: (key, value, options) => guarded('write a secret', () => client.setSecret(key, value, ttlOf(options))),
    deleteSecret: (key) => guarded('delete a secret', () => client.deleteSecret(key)),
  };
}
