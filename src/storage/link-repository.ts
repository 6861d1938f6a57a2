import { AppError } from '../errors';
import { LinkRecordSchema, toSummary, type LinkRecord } from '../links/link-record';
import type { LinkPage } from '../../contract';
import { ENTITIES } from './entities';
import { IncomingClientRecords, type ClientRecord } from './incoming-client-records';
import { KVS_LIMITS, StorageError, type EntityOperation, type KeyValueStore } from './key-value-store';
import { migrateLegacyLinks } from './legacy-links';

/**
 * The most links a site keeps. It was 1,000 while every listing read one hand-made index whole;
 * entity queries read only the page shown, so the bound is now the scale the product is designed
 * for (DESIGN section 6: 10,000 links per connector).
 */
export const MAX_LINKS = 10_000;
/** Writers that lose a race on the link count re-read it and try again, this often at most. */
const COUNT_ATTEMPTS = 50;
const BACKOFF_CAP_MS = 50;
const STATS_KEY = 'links';

const LINK = ENTITIES.link.name;
const STATS = ENTITIES.linkStats.name;

interface Stats {
  links: number;
  version: number;
}

/**
 * The links' cloud side in the Custom Entity Store: one `applink` entity per link, listed in name
 * order through its `by-name` index, and one `applink-stats` entity that counts them.
 *
 * Concurrency: every write is a conditional transaction. A link is written only if the stored
 * version is the one the writer read (a stale writer gets CONFLICT instead of overwriting), and
 * creating or deleting a link changes the count in the same transaction, conditioned on the
 * count's version, so the count is exact under any interleaving. A link's incoming clients are
 * written in the link's own transactions (`save` takes their operations, `remove` deletes them
 * all), so no client outlives its link or the generation the link names.
 */
export class LinkRepository {
  private migrated: Promise<void> | undefined;
  private readonly clients: IncomingClientRecords;

  constructor(private readonly store: KeyValueStore) {
    this.clients = new IncomingClientRecords(store);
  }

  async get(id: string): Promise<LinkRecord | undefined> {
    await this.ready();
    return this.read(id);
  }

  /**
   * Writes a record whose `version` is one more than the stored one (1 for a new link), together
   * with `alongside` (its incoming client's write, from `IncomingClientRecords`): all or nothing.
   * CONFLICT when another writer got there first.
   */
  async save(record: LinkRecord, alongside: readonly EntityOperation[] = []): Promise<void> {
    await this.ready();
    const entity = toEntity(LinkRecordSchema.parse(record));
    if (record.version > 1) {
      const set: EntityOperation = { kind: 'set', entity: LINK, key: record.id, value: entity, condition: { attribute: 'version', equals: record.version - 1 } };
      await this.conditional([set, ...alongside], record.id);
      return;
    }
    await this.withCount(+1, record.id, async () => {
      if ((await this.read(record.id)) !== undefined) throw conflict(record.id);
      return [{ kind: 'set', entity: LINK, key: record.id, value: entity, condition: { attribute: 'version', exists: false } }, ...alongside];
    });
  }

  /**
   * Deletes the link whatever its version (the admin asked for it gone) and, in the same
   * transaction, every incoming client stored for it: their tokens stop working at that instant.
   * Answers the clients deleted (their secret hashes are the caller's to clean up); deleting twice
   * is no error.
   */
  async remove(record: LinkRecord): Promise<ClientRecord[]> {
    await this.ready();
    let removed: ClientRecord[] = [];
    await this.withCount(-1, record.id, async () => {
      const stored = await this.store.getEntity(LINK, record.id);
      if (stored === undefined) return null;
      const version = (stored as { version: number }).version;
      const clients = await this.clients.ofLink(record.id);
      // Only an installation with orphans from before the sweep can hold this many: those go first.
      const room = KVS_LIMITS.transactionOperations - 2;
      for (const extra of clients.slice(room)) await this.conditional([this.clients.remove(extra)], record.id);
      removed = clients;
      return [{ kind: 'delete', entity: LINK, key: record.id, condition: { attribute: 'version', equals: version } }, ...clients.slice(0, room).map((c) => this.clients.remove(c))];
    });
    return removed;
  }

  /** Every incoming client stored for a link. */
  async clientsOf(linkId: string): Promise<ClientRecord[]> {
    await this.ready();
    return this.clients.ofLink(linkId);
  }

  /** The incoming client with this ID, whichever link it is stored for. */
  async client(clientId: string): Promise<ClientRecord | undefined> {
    await this.ready();
    return this.clients.get(clientId);
  }

  /** The write of a client, for `save`'s `alongside`. */
  putClient(next: Omit<ClientRecord, 'version'>, previous: ClientRecord | undefined): EntityOperation {
    return this.clients.put(next, previous);
  }

  /**
   * Stores a client for a link that already names it, if the link is still at the version read
   * and no client entity exists yet (the sweep of clients kept the old way). False when either changed.
   */
  async adoptClient(link: LinkRecord, client: Omit<ClientRecord, 'version'>): Promise<boolean> {
    await this.ready();
    try {
      await this.store.transact([{ kind: 'check', entity: LINK, key: link.id, condition: { attribute: 'version', equals: link.version } }, this.clients.put(client, undefined)]);
      return true;
    } catch (error) {
      if (error instanceof StorageError && error.code === 'CONDITION_FAILED') return false;
      throw error;
    }
  }

  /** The delete of a client, for `save`'s `alongside`. */
  removeClient(client: ClientRecord): EntityOperation {
    return this.clients.remove(client);
  }

  async count(): Promise<number> {
    await this.ready();
    return (await this.stats())?.links ?? 0;
  }

  /** Links sorted by name, a page at a time (at most 100, the store's page); the cursor is the store's. */
  async page(options: { limit: number; cursor?: string | undefined }): Promise<Omit<LinkPage, 'connectorReachable'>> {
    await this.ready();
    try {
      const [page, total] = await Promise.all([
        this.store.queryEntity(LINK, { index: 'by-name', sort: 'ASC', limit: options.limit, cursor: options.cursor }),
        this.count(),
      ]);
      return { items: page.items.map((item) => toSummary(fromEntity(item.key, item.value))), total, nextCursor: page.nextCursor ?? null };
    } catch (error) {
      if (error instanceof StorageError && error.code === 'INVALID_CURSOR') {
        throw new AppError('VALIDATION_FAILED', 'The cursor is not one this list gave out.', [{ path: 'cursor', message: 'is not valid' }], { cause: error });
      }
      throw error;
    }
  }

  /** Moves links from the old kvs layout once per installation (and once per warm instance, to look). */
  private ready(): Promise<void> {
    this.migrated ??= (async () => {
      if ((await this.stats()) !== undefined) return;
      const links = await migrateLegacyLinks(this.store, (record) => toEntity(LinkRecordSchema.parse(record)));
      try {
        await this.store.transact([{ kind: 'set', entity: STATS, key: STATS_KEY, value: { links, version: 1 }, condition: { attribute: 'version', exists: false } }]);
      } catch (error) {
        // Another instance finished the move first and counted the same links.
        if (!(error instanceof StorageError && error.code === 'CONDITION_FAILED')) throw error;
      }
    })().catch((error: unknown) => {
      this.migrated = undefined;
      throw error;
    });
    return this.migrated;
  }

  private async read(id: string): Promise<LinkRecord | undefined> {
    const value = await this.store.getEntity(LINK, id);
    return value === undefined ? undefined : fromEntity(id, value);
  }

  private async stats(): Promise<Stats | undefined> {
    return (await this.store.getEntity(STATS, STATS_KEY)) as Stats | undefined;
  }

  /** Runs the link's operations together with a change of the count, re-reading both after a lost race. */
  private async withCount(delta: number, id: string, operations: () => Promise<EntityOperation[] | null>): Promise<void> {
    for (let attempt = 0; attempt < COUNT_ATTEMPTS; attempt += 1) {
      const ops = await operations();
      if (ops === null) return;
      const stats = (await this.stats()) ?? { links: 0, version: 0 };
      const count: EntityOperation = {
        kind: 'set',
        entity: STATS,
        key: STATS_KEY,
        value: { links: Math.max(0, stats.links + delta), version: stats.version + 1 },
        condition: stats.version === 0 ? { attribute: 'version', exists: false } : { attribute: 'version', equals: stats.version },
      };
      try {
        await this.store.transact([...ops, count]);
        return;
      } catch (error) {
        if (!(error instanceof StorageError && error.code === 'CONDITION_FAILED')) throw error;
        await new Promise<void>((resolve) => setTimeout(resolve, Math.random() * Math.min(BACKOFF_CAP_MS, 5 * 2 ** attempt)));
      }
    }
    throw new StorageError('STORE_FAILED', `The link count kept changing while link ${id} was written.`);
  }

  private async conditional(operations: EntityOperation[], id: string): Promise<void> {
    try {
      await this.store.transact(operations);
    } catch (error) {
      if (error instanceof StorageError && error.code === 'CONDITION_FAILED') throw conflict(id, error);
      throw error;
    }
  }
}

function conflict(id: string, cause?: unknown): AppError {
  return new AppError('CONFLICT', `The link ${id} changed while this change was saved: reload it and try again.`, [], { cause });
}

export function sortNameOf(record: Pick<LinkRecord, 'name' | 'id'>): string {
  // A tab sorts before every character a name shows, so "Jira" comes before "Jira 2".
  return `${record.name.toLocaleLowerCase('en')}\t${record.id}`;
}

function toEntity(record: LinkRecord): Record<string, unknown> {
  return { sortName: sortNameOf(record), version: record.version, record };
}

function fromEntity(id: string, value: unknown): LinkRecord {
  const parsed = LinkRecordSchema.safeParse((value as { record?: unknown } | null)?.record);
  if (!parsed.success) throw new StorageError('INVALID_VALUE', `The stored link ${id} is not in the expected shape.`, { cause: parsed.error });
  return parsed.data;
}
