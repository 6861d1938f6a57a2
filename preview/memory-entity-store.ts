import { ENTITIES, type EntityDeclaration } from '../src/storage/entities';
import { KVS_LIMITS, StorageError, type EntityCondition, type EntityOperation, type EntityQuery, type QueryPage } from '../src/storage/key-value-store';

/**
 * Forge's Custom Entity Store in memory, for tests and the local preview (Forge has no emulator).
 * It holds the rules the app relies on, so that a test passing here means something there:
 * only declared entities and indexes exist; a query reads one index in the order of its range
 * attribute (ties by key), pages at 10 by default and refuses more than 100, and its cursor is
 * opaque; entities lacking the range attribute are not in the index; a transaction holds at most
 * 25 operations (sets, deletes and checks) on distinct keys, checks every condition against the
 * stored state before it writes anything, and writes all or nothing; a check writes nothing.
 */
export class MemoryEntityStore {
  private readonly entities = new Map<string, Map<string, string>>();
  private readonly declarations: ReadonlyMap<string, EntityDeclaration>;

  constructor(declarations: readonly EntityDeclaration[] = Object.values(ENTITIES)) {
    this.declarations = new Map(declarations.map((d) => [d.name, d]));
  }

  get(entity: string, key: string): unknown {
    const json = this.table(entity).get(key);
    return json === undefined ? undefined : JSON.parse(json);
  }

  query(entity: string, query: EntityQuery): QueryPage {
    const declaration = this.declaration(entity);
    const index = declaration.indexes?.find((i) => i.name === query.index);
    if (index === undefined) throw new StorageError('INVALID_QUERY', `The entity ${entity} has no index ${query.index}.`);
    const limit = query.limit ?? KVS_LIMITS.entityPageDefault;
    if (!Number.isInteger(limit) || limit < 1 || limit > KVS_LIMITS.entityPageSize) {
      throw new StorageError('INVALID_QUERY', `A query returns 1 to ${KVS_LIMITS.entityPageSize} entities, not ${limit}.`);
    }
    const partition = index.partition ?? [];
    if ((query.partition ?? []).length !== partition.length) throw new StorageError('INVALID_QUERY', `The index ${index.name} takes ${partition.length} partition values.`);
    const [range] = index.range as [string];
    const rows = [...this.table(entity)]
      .map(([key, json]) => ({ key, value: JSON.parse(json) as Record<string, unknown> }))
      .filter((row) => row.value[range] !== undefined && partition.every((attribute, i) => row.value[attribute] === query.partition?.[i]))
      .sort((a, b) => compare([a.value[range], a.key], [b.value[range], b.key]));
    if (query.sort === 'DESC') rows.reverse();
    let start = 0;
    if (query.cursor !== undefined) {
      const after = decodeCursor(query.cursor, entity, index.name);
      const position = rows.findIndex((row) => row.key === after);
      // The entity the cursor names may have been deleted since: continue after where it sorted.
      start = position >= 0 ? position + 1 : rows.length;
    }
    const page = rows.slice(start, start + limit);
    const last = page[page.length - 1];
    const more = start + limit < rows.length;
    return { items: page, nextCursor: more && last !== undefined ? encodeCursor(entity, index.name, last.key) : undefined };
  }

  transact(operations: readonly EntityOperation[]): void {
    if (operations.length === 0 || operations.length > KVS_LIMITS.transactionOperations) {
      throw new StorageError('INVALID_QUERY', `A transaction holds 1 to ${KVS_LIMITS.transactionOperations} operations.`);
    }
    const keys = new Set(operations.map((o) => `${o.entity}\u0000${o.key}`));
    if (keys.size !== operations.length) throw new StorageError('INVALID_QUERY', 'A transaction may touch each key once.');
    // Every condition first, against the state before the transaction: all or nothing.
    for (const operation of operations) {
      this.declaration(operation.entity);
      if (operation.condition !== undefined && !holds(operation.condition, this.get(operation.entity, operation.key))) {
        throw new StorageError('CONDITION_FAILED', `The condition on ${operation.entity} ${operation.key} does not hold.`);
      }
      if (operation.kind === 'set') this.checkAttributes(operation.entity, operation.value);
    }
    for (const operation of operations) {
      if (operation.kind === 'set') this.table(operation.entity).set(operation.key, JSON.stringify(operation.value));
      else if (operation.kind === 'delete') this.table(operation.entity).delete(operation.key);
      // A check only guards: it writes nothing.
    }
  }

  snapshot(): Record<string, Record<string, string>> {
    return Object.fromEntries([...this.entities].map(([name, rows]) => [name, Object.fromEntries(rows)]));
  }

  restore(snapshot: Record<string, Record<string, string>> | undefined): void {
    this.entities.clear();
    for (const [name, rows] of Object.entries(snapshot ?? {})) this.entities.set(name, new Map(Object.entries(rows)));
  }

  private declaration(entity: string): EntityDeclaration {
    const declaration = this.declarations.get(entity);
    if (declaration === undefined) throw new StorageError('INVALID_QUERY', `No entity ${entity} is declared in the manifest.`);
    return declaration;
  }

  private table(entity: string): Map<string, string> {
    this.declaration(entity);
    let rows = this.entities.get(entity);
    if (rows === undefined) this.entities.set(entity, (rows = new Map()));
    return rows;
  }

  private checkAttributes(entity: string, value: Record<string, unknown>): void {
    const attributes = this.declaration(entity).attributes;
    for (const [name, attributeValue] of Object.entries(value)) {
      const type = attributes[name]?.type;
      if (type === undefined) throw new StorageError('INVALID_VALUE', `The entity ${entity} has no attribute ${name}.`);
      const ok =
        type === 'any' ||
        (type === 'string' && typeof attributeValue === 'string') ||
        (type === 'boolean' && typeof attributeValue === 'boolean') ||
        (type === 'integer' && Number.isInteger(attributeValue)) ||
        (type === 'float' && typeof attributeValue === 'number');
      if (!ok) throw new StorageError('INVALID_VALUE', `The attribute ${entity}.${name} must be ${type}.`);
    }
    if (Buffer.byteLength(JSON.stringify(value), 'utf8') > KVS_LIMITS.valueBytes) throw new StorageError('VALUE_TOO_LARGE', `The ${entity} entity is larger than ${KVS_LIMITS.valueBytes} bytes.`);
  }
}

function holds(condition: EntityCondition, stored: unknown): boolean {
  const value = (stored ?? {}) as Record<string, unknown>;
  if ('exists' in condition) return stored === undefined || value[condition.attribute] === undefined;
  return stored !== undefined && value[condition.attribute] === condition.equals;
}

function compare(a: unknown[], b: unknown[]): number {
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i] as string | number;
    const y = b[i] as string | number;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function encodeCursor(entity: string, index: string, key: string): string {
  return Buffer.from(JSON.stringify([entity, index, key]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string, entity: string, index: string): string {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value[0] === entity && value[1] === index && typeof value[2] === 'string') return value[2];
  } catch {
    // fall through
  }
  throw new StorageError('INVALID_CURSOR', 'The cursor is not one this query gave out.');
}
