import { ENTITIES } from './entities';
import { StorageError, KVS_LIMITS, type KeyValueStore } from './key-value-store';
import { KEYS } from './keys';

/**
 * Installations before the Custom Entity Store kept each link at kvs `link:<id>` and listed them
 * through 32 index chunks `link-index:00`..`31`. The `link:` records are the truth (the chunks only
 * repeated their summaries), so the move copies each record into an `applink` entity, unless one
 * is there already, then deletes the old keys, and answers how many links the entity store holds.
 *
 * The move runs before the first read or write of an installation that has no link count yet,
 * so no change made in the new layout can be overwritten by it: copies never replace an entity.
 */
const LEGACY_LINK_PREFIX = KEYS.legacyLinkPrefix;
const LEGACY_INDEX_PREFIX = KEYS.legacyLinkIndexPrefix;

export async function migrateLegacyLinks(store: KeyValueStore, toEntity: (record: unknown) => Record<string, unknown>): Promise<number> {
  const legacy = await allKeys(store, LEGACY_LINK_PREFIX);
  for (const { key, value } of legacy) {
    const id = key.slice(LEGACY_LINK_PREFIX.length);
    try {
      await store.transact([{ kind: 'set', entity: ENTITIES.link.name, key: id, value: toEntity(value), condition: { attribute: 'version', exists: false } }]);
    } catch (error) {
      // Already moved (by another instance running the same move): keep what is there.
      if (!(error instanceof StorageError && error.code === 'CONDITION_FAILED')) throw error;
    }
  }
  for (const { key } of legacy) await store.delete(key);
  for (const { key } of await allKeys(store, LEGACY_INDEX_PREFIX)) await store.delete(key);
  return countLinks(store);
}

async function allKeys(store: KeyValueStore, prefix: string): Promise<{ key: string; value: unknown }[]> {
  const items: { key: string; value: unknown }[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.query(prefix, { cursor });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return items;
}

async function countLinks(store: KeyValueStore): Promise<number> {
  let links = 0;
  let cursor: string | undefined;
  do {
    const page = await store.queryEntity(ENTITIES.link.name, { index: 'by-name', limit: KVS_LIMITS.entityPageSize, cursor });
    links += page.items.length;
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return links;
}
