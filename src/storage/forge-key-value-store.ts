import { Filter, FilterConditions, Sort, type kvs as forgeKvs } from '@forge/kvs';
import { KVS_LIMITS, StorageError, type EntityCondition, type EntityOperation, type KeyValueStore, type QueryPage, type WriteOptions } from './key-value-store';

/** The `@forge/kvs` client, or anything shaped like it. */
export type ForgeKvsClient = Pick<typeof forgeKvs, 'get' | 'set' | 'delete' | 'query' | 'getSecret' | 'setSecret' | 'deleteSecret' | 'entity' | 'transact'>;

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
    getEntity: (entity, key) => guarded('read an entity', () => client.entity<unknown>(entity).get(key)),
    queryEntity: (entity, query) =>
      guarded('list entities', async (): Promise<QueryPage> => {
        let builder = client
          .entity<Record<string, unknown>>(entity)
          .query()
          .index(query.index, query.partition === undefined ? undefined : { partition: query.partition })
          .sort(query.sort === 'DESC' ? Sort.DESC : Sort.ASC)
          .limit(Math.min(query.limit ?? KVS_LIMITS.entityPageDefault, KVS_LIMITS.entityPageSize));
        if (query.cursor !== undefined) builder = builder.cursor(query.cursor);
        const page = await builder.getMany();
        return { items: page.results.map((r) => ({ key: r.key, value: r.value })), nextCursor: page.nextCursor || undefined };
      }),
    transact: async (operations) => {
      let transaction = client.transact();
      for (const operation of operations) transaction = addOperation(transaction, operation);
      try {
        await transaction.execute();
      } catch (error) {
        if (isConditionFailure(error)) throw new StorageError('CONDITION_FAILED', 'A condition of the transaction did not hold.', { cause: error });
        throw new StorageError('STORE_FAILED', 'Forge storage failed to run a transaction.', { cause: error });
      }
    },
  };
}

type Transaction = ReturnType<ForgeKvsClient['transact']>;

function addOperation(transaction: Transaction, operation: EntityOperation): Transaction {
  const entity = { entityName: operation.entity, ...(operation.condition === undefined ? {} : { conditions: filterOf(operation.condition) }) };
  if (operation.kind === 'check') return transaction.check(operation.key, { entityName: operation.entity, conditions: filterOf(operation.condition) });
  return operation.kind === 'set' ? transaction.set(operation.key, operation.value, entity) : transaction.delete(operation.key, entity);
}

/**
 * `exists: false` becomes NOT_EXISTS on the attribute: the app uses it on attributes every stored
 * entity has (`version`), so it holds exactly when the entity does not exist yet. That Forge
 * evaluates it so for a missing entity is what its documentation implies, not something a test
 * here can confirm.
 */
function filterOf(condition: EntityCondition) {
  const clause = 'exists' in condition ? FilterConditions.notExists() : FilterConditions.equalTo(condition.equals);
  return new Filter<Record<string, unknown>>().and(condition.attribute, clause);
}

/**
 * Forge answers a transaction whose condition fails with an API error; its documentation names no
 * code, so a 409 or a code that speaks of a condition counts as one. Anything else is a failure.
 */
function isConditionFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, responseDetails } = error as { code?: unknown; responseDetails?: { status?: unknown } };
  return responseDetails?.status === 409 || (typeof code === 'string' && /CONDITION/i.test(code));
}
