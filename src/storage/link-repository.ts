import { AppError } from '../errors';
import { LinkRecordSchema, toSummary, type LinkRecord } from '../links/link-record';
import type { LinkPage, LinkSummary } from '../../contract';
import { StorageError, type KeyValueStore } from './key-value-store';
import { KEYS } from './keys';
import { LinkIndex } from './link-index';

/** A site links to a handful of applications; this bound keeps every index chunk far below kvs's value limit. */
export const MAX_LINKS = 1000;

/**
 * The links' cloud side in kvs: one record per link plus the index that lists them. The record is
 * written first; a failed index write is repaired by the link's next save.
 */
export class LinkRepository {
  private readonly index: LinkIndex;

  constructor(
    private readonly store: KeyValueStore,
    now: () => Date,
  ) {
    this.index = new LinkIndex(store, now);
  }

  async get(id: string): Promise<LinkRecord | undefined> {
    const value = await this.store.get(KEYS.link(id));
    if (value === undefined) return undefined;
    const parsed = LinkRecordSchema.safeParse(value);
    if (!parsed.success) throw new StorageError('INVALID_VALUE', `The stored link ${id} is not in the expected shape.`, { cause: parsed.error });
    return parsed.data;
  }

  async save(record: LinkRecord): Promise<void> {
    await this.store.set(KEYS.link(record.id), LinkRecordSchema.parse(record));
    await this.index.upsert(toSummary(record), record.version);
  }

  async remove(record: LinkRecord): Promise<void> {
    await this.store.delete(KEYS.link(record.id));
    // The tombstone outranks every version the record had, so a late writer cannot bring it back.
    await this.index.remove(record.id, record.version + 1);
  }

  async count(): Promise<number> {
    return (await this.index.all()).length;
  }

  /** Links sorted by name, a page at a time; the cursor is the last (name, id) shown, so inserts do not shift pages. */
  async page(options: { limit: number; cursor?: string | undefined }): Promise<Omit<LinkPage, 'connectorReachable'>> {
    const all = (await this.index.all()).sort(compareSummaries);
    let start = 0;
    if (options.cursor !== undefined) {
      const after = decodeCursor(options.cursor);
      start = all.findIndex((s) => compareKeys(sortKey(s), after) > 0);
      if (start === -1) start = all.length;
    }
    const items = all.slice(start, start + options.limit);
    const last = items[items.length - 1];
    const more = start + options.limit < all.length;
    return { items, total: all.length, nextCursor: more && last !== undefined ? encodeCursor(sortKey(last)) : null };
  }
}

type SortKey = [string, string];
const sortKey = (s: LinkSummary): SortKey => [s.name.toLocaleLowerCase('en'), s.id];
const compareKeys = (a: SortKey, b: SortKey): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);
const compareSummaries = (a: LinkSummary, b: LinkSummary): number => compareKeys(sortKey(a), sortKey(b));

function encodeCursor(key: SortKey): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): SortKey {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') return [value[0], value[1]];
  } catch {
    // fall through
  }
  throw new AppError('VALIDATION_FAILED', 'The cursor is not one this list gave out.', [{ path: 'cursor', message: 'is not valid' }]);
}
