import { createHash } from 'node:crypto';
import { z } from 'zod';
import { LinkSummarySchema, type LinkSummary } from '../../contract';
import { KVS_LIMITS, StorageError, type KeyValueStore } from './key-value-store';
import { KEYS } from './keys';

/**
 * The list of links, kept so that listing 500 (or 1,000) links costs two kvs queries instead of
 * one read per link.
 *
 * Layout: a fixed number of chunk records (`link-index:00` .. `link-index:31`). A link lives in
 * the chunk its id hashes to, as its summary. One kvs query returns up to 20 records, so reading
 * every chunk takes two queries whatever the number of links; at the app's limit of 1,000 links a
 * chunk holds about 31 summaries (a few KiB; the hard ceiling is 240 KiB). Hashing spreads
 * concurrent writers over the chunks instead of piling them onto "the last chunk".
 *
 * Concurrency: kvs has no conditional write for plain keys, so two admins saving links that hash
 * to the same chunk could overwrite each other's change. Each chunk is therefore a map that merges
 * (last writer wins per link, by the link's version; deletions are tombstones that win ties), and
 * every write is a swap that returns the value it replaced. If the replaced value holds anything
 * the written one lacks, another writer got in between: the writer merges it back and swaps again
 * until what it replaced adds nothing. A change can be hidden for the moment between two swaps but
 * is never lost, because whoever replaced it puts it back.
 */
export const LINK_INDEX_CHUNKS = 32;
/** Long enough to outlive any writer that read the chunk before the delete (a resolver runs 25 s at most). */
const TOMBSTONE_SECONDS = 3600;
const MAX_SWAPS = 20;
/** Writers that collide back off for a random while, so that they stop replacing each other in lockstep. */
const BACKOFF_MS = 5;
const BACKOFF_CAP_MS = 250;
/** Room to spare under kvs's 240 KiB per value. */
const CHUNK_BYTES_LIMIT = KVS_LIMITS.valueBytes - 16 * 1024;

const LiveEntrySchema = z.object({ rev: z.number().int(), summary: LinkSummarySchema });
const TombstoneSchema = z.object({ rev: z.number().int(), deletedAt: z.string() });
const EntrySchema = z.union([LiveEntrySchema, TombstoneSchema]);
const ChunkSchema = z.object({ entries: z.record(z.string(), EntrySchema) });
type Entry = z.infer<typeof EntrySchema>;
type Chunk = z.infer<typeof ChunkSchema>;

export function chunkOf(linkId: string): number {
  const first = createHash('sha256').update(linkId, 'utf8').digest()[0] ?? 0;
  return first % LINK_INDEX_CHUNKS;
}

/** Which of two entries for the same link wins: the newer version; on a tie the deletion, then a fixed order. */
function winner(a: Entry, b: Entry): Entry {
  if (a.rev !== b.rev) return a.rev > b.rev ? a : b;
  const aDead = 'deletedAt' in a;
  const bDead = 'deletedAt' in b;
  if (aDead !== bDead) return aDead ? a : b;
  // Same version, different content (two writers raced on one record): any fixed choice converges.
  return JSON.stringify(a) >= JSON.stringify(b) ? a : b;
}

/** Merges chunks; commutative, associative and idempotent, so retries and reorderings agree. */
export function mergeChunks(a: Chunk, b: Chunk, now: Date): Chunk {
  const entries: Record<string, Entry> = {};
  for (const chunk of [a, b]) {
    for (const [id, entry] of Object.entries(chunk.entries)) {
      const current = entries[id];
      entries[id] = current === undefined ? entry : winner(current, entry);
    }
  }
  const cutoff = now.getTime() - TOMBSTONE_SECONDS * 1000;
  const kept = Object.keys(entries)
    .sort()
    .filter((id) => {
      const entry = entries[id];
      return entry !== undefined && !('deletedAt' in entry && Date.parse(entry.deletedAt) < cutoff);
    });
  return { entries: Object.fromEntries(kept.map((id) => [id, entries[id] as Entry])) };
}

const EMPTY: Chunk = { entries: {} };

export class LinkIndex {
  constructor(
    private readonly store: KeyValueStore,
    private readonly now: () => Date,
  ) {}

  async upsert(summary: LinkSummary, rev: number): Promise<void> {
    await this.apply(summary.id, { entries: { [summary.id]: { rev, summary } } });
  }

  async remove(linkId: string, rev: number): Promise<void> {
    await this.apply(linkId, { entries: { [linkId]: { rev, deletedAt: this.now().toISOString() } } });
  }

  /** Every live link's summary, reading the chunk records only. */
  async all(): Promise<LinkSummary[]> {
    const summaries: LinkSummary[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.store.query(KEYS.linkIndexPrefix, { cursor });
      for (const item of page.items) {
        for (const entry of Object.values(parseChunk(item.key, item.value).entries)) {
          if ('summary' in entry) summaries.push(entry.summary);
        }
      }
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return summaries;
  }

  private async apply(linkId: string, change: Chunk): Promise<void> {
    const key = KEYS.linkIndexChunk(chunkOf(linkId));
    const now = this.now();
    // Parsing fixes the key order of every entry, so equal content always serialises equally.
    let written = mergeChunks(parseChunk(key, await this.store.get(key)), ChunkSchema.parse(change), now);
    for (let swaps = 0; swaps < MAX_SWAPS; swaps += 1) {
      checkSize(key, written);
      const replaced = parseChunk(key, await this.store.swap(key, written));
      const merged = mergeChunks(written, replaced, now);
      if (sameChunk(merged, written)) return;
      // Another writer's change was in the value we just replaced: put it back.
      written = merged;
      await sleep(Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_MS * 2 ** swaps));
    }
    throw new StorageError('STORE_FAILED', `The link index chunk ${key} kept changing under ${MAX_SWAPS} writes.`);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function parseChunk(key: string, value: unknown): Chunk {
  if (value === undefined) return EMPTY;
  const parsed = ChunkSchema.safeParse(value);
  if (!parsed.success) throw new StorageError('INVALID_VALUE', `The link index chunk ${key} is not in the expected shape.`, { cause: parsed.error });
  return parsed.data;
}

function sameChunk(a: Chunk, b: Chunk): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function checkSize(key: string, chunk: Chunk): void {
  if (Buffer.byteLength(JSON.stringify(chunk), 'utf8') > CHUNK_BYTES_LIMIT) {
    throw new StorageError('VALUE_TOO_LARGE', `The link index chunk ${key} is full.`);
  }
}
