import { MemoryKeyValueStore } from '../../../preview/memory-key-value-store';
import { StorageError, type EntityCondition, type EntityOperation } from '../../../src/storage/key-value-store';

interface TransactionItem {
  key: string;
  value?: unknown;
  entityName: string;
  conditions?: { and?: { property: string; condition: string; values: unknown[] }[] };
}

/** The one condition the app sends per operation (`and` of one clause), as the backing store takes it. */
function conditionOf(item: TransactionItem): { condition?: EntityCondition } {
  const clause = item.conditions?.and?.[0];
  if (clause === undefined) return {};
  if (clause.condition === 'NOT_EXISTS') return { condition: { attribute: clause.property, exists: false } };
  if (clause.condition === 'EQUAL_TO') return { condition: { attribute: clause.property, equals: clause.values[0] as string | number | boolean } };
  throw new Error(`the fake kvs service does not take ${clause.condition}`);
}

/**
 * Forge's runtime gives each invocation `global.__forge_fetch__`, through which `@forge/kvs` and
 * `@forge/api` (invokeRemote, requestJira) reach the platform. This stands in for it, so tests can
 * run the real client packages and see exactly what they send.
 */
export interface ForgeFetchCall {
  target: Record<string, unknown>;
  path: string;
  method: string | undefined;
  headers: Record<string, string>;
  body: unknown;
  /** The body as sent, before JSON parsing. */
  rawBody: string | undefined;
}

type Handler = (call: ForgeFetchCall) => Promise<Response> | Response;

interface ForgeGlobal {
  __forge_fetch__?: (target: Record<string, unknown>, path: string, init?: { method?: string; body?: string; headers?: Record<string, string> }) => Promise<Response>;
}

export function installForgeFetch(handlers: { kvs?: Handler; frc?: Handler; fpp?: Handler; [type: string]: Handler | undefined }): { calls: ForgeFetchCall[]; uninstall(): void } {
  const calls: ForgeFetchCall[] = [];
  const g = globalThis as unknown as ForgeGlobal;
  g.__forge_fetch__ = async (target, path, init = {}) => {
    const call: ForgeFetchCall = {
      target,
      path,
      method: init.method,
      headers: init.headers ?? {},
      body: typeof init.body === 'string' && init.body !== '' ? JSON.parse(init.body) : init.body,
      rawBody: init.body,
    };
    calls.push(call);
    const handler = handlers[String(target.type)];
    if (handler === undefined) return new Response('no handler', { status: 500 });
    return handler(call);
  };
  return {
    calls,
    uninstall: () => {
      delete g.__forge_fetch__;
    },
  };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const UNIT_SECONDS: Record<string, number> = { SECONDS: 1, MINUTES: 60, HOURS: 3600, DAYS: 86400 };

/**
 * Forge's storage service as `@forge/kvs` 1.6 talks to it (`/api/v1/get`, `/set`, `/query`,
 * `/secret/*`), backed by the in-memory store. Unknown keys answer 404 `KEY_NOT_FOUND`, which the
 * client turns into `undefined`.
 */
export function fakeKvsService(backing: MemoryKeyValueStore): Handler {
  return async ({ path, body }) => {
    const b = body as {
      key: string;
      value?: unknown;
      options?: { ttl?: { value: number; unit: string }; keyPolicy?: string; returnValue?: string };
      limit?: number;
      after?: string;
      where?: { property: string; condition: string; values: string[] }[];
    };
    const ttl = b.options?.ttl === undefined ? {} : { ttlSeconds: b.options.ttl.value * (UNIT_SECONDS[b.options.ttl.unit] ?? NaN) };
    try {
      switch (path) {
        case '/api/v1/get':
        case '/api/v1/secret/get': {
          const value = path === '/api/v1/get' ? await backing.get(b.key) : await backing.getSecret(b.key);
          return value === undefined ? json(404, { code: 'KEY_NOT_FOUND', message: 'Key not found' }) : json(200, { key: b.key, value });
        }
        case '/api/v1/set':
          if (b.options?.returnValue === 'PREVIOUS') {
            const previous = await backing.swap(b.key, b.value, ttl);
            return json(200, previous === undefined ? { key: b.key } : { key: b.key, value: previous });
          }
          await backing.set(b.key, b.value, ttl);
          return new Response('', { status: 200 });
        case '/api/v1/secret/set':
          await backing.setSecret(b.key, b.value, ttl);
          return new Response('', { status: 200 });
        case '/api/v1/delete':
          await backing.delete(b.key);
          return new Response(null, { status: 204 });
        case '/api/v1/secret/delete':
          await backing.deleteSecret(b.key);
          return new Response(null, { status: 204 });
        case '/api/v1/query': {
          const where = b.where?.[0];
          if (where === undefined || where.property !== 'key' || where.condition !== 'BEGINS_WITH') return json(400, { code: 'INVALID_QUERY', message: 'bad where' });
          const page = await backing.query(where.values[0] ?? '', { cursor: b.after, limit: b.limit });
          return json(200, { data: page.items, ...(page.nextCursor === undefined ? {} : { cursor: page.nextCursor }) });
        }
        case '/api/v1/entity/get': {
          const e = body as { entityName: string; key: string };
          const value = await backing.getEntity(e.entityName, e.key);
          return value === undefined ? json(404, { code: 'KEY_NOT_FOUND', message: 'Key not found' }) : json(200, { key: e.key, value });
        }
        case '/api/v1/entity/query': {
          const q = body as { entityName: string; indexName: string; partition?: (string | number | boolean)[]; sort?: 'ASC' | 'DESC'; cursor?: string; limit?: number };
          const page = await backing.queryEntity(q.entityName, { index: q.indexName, partition: q.partition, sort: q.sort, cursor: q.cursor, limit: q.limit });
          return json(200, { data: page.items, ...(page.nextCursor === undefined ? {} : { cursor: page.nextCursor }) });
        }
        case '/api/v1/transaction': {
          const t = body as { set?: TransactionItem[]; delete?: TransactionItem[]; check?: TransactionItem[] };
          const operations: EntityOperation[] = [
            ...(t.set ?? []).map((i): EntityOperation => ({ kind: 'set', entity: i.entityName, key: i.key, value: i.value as Record<string, unknown>, ...conditionOf(i) })),
            ...(t.delete ?? []).map((i): EntityOperation => ({ kind: 'delete', entity: i.entityName, key: i.key, ...conditionOf(i) })),
            ...(t.check ?? []).map((i): EntityOperation => {
              const { condition } = conditionOf(i);
              if (condition === undefined) throw new Error('A check needs a condition.');
              return { kind: 'check', entity: i.entityName, key: i.key, condition };
            }),
          ];
          try {
            await backing.transact(operations);
          } catch (error) {
            if (error instanceof StorageError && error.code === 'CONDITION_FAILED') return json(409, { code: 'CONDITION_FAILED', message: error.message });
            throw error;
          }
          return new Response(null, { status: 204 });
        }
        default:
          return json(404, { code: 'NOT_FOUND', message: `no route ${path}` });
      }
    } catch (error) {
      return json(400, { code: 'INVALID_REQUEST', message: error instanceof Error ? error.message : 'invalid' });
    }
  };
}
