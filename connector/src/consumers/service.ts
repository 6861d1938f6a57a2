import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { ConsumerRecord, Store } from '../storage/store';
import { ConsumerError } from './errors';

/**
 * DC-side programs that read tokens of some links. Each gets an API key once; only a hash of its
 * secret part is stored. Keys look like `alc_<consumer id>_<secret>` so the id is found without
 * a scan and the secret is compared in constant time.
 */
const PREFIX = 'alc_';
const KEY_PATTERN = /^alc_([0-9a-f-]{36})_([A-Za-z0-9_-]{43})$/;
/** Records are kept in memory this long, so each token read costs no database round trip. */
const CACHE_MS = 5_000;

export interface ConsumerView {
  id: string;
  name: string;
  linkIds: string[];
  createdAt: string;
}

export class ConsumerService {
  private readonly cache = new Map<string, { record: ConsumerRecord | undefined; loadedAt: number }>();
  /**
   * Keys that verified recently, so a busy consumer costs no hash per request. Memory only, like
   * the tokens themselves; expires with the record cache, and a delete here drops it at once.
   */
  private readonly verified = new Map<string, { record: ConsumerRecord; at: number }>();

  constructor(private readonly deps: { store: Store; now: () => number }) {}

  async create(input: { name: string; linkIds: string[] }): Promise<{ consumer: ConsumerView; apiKey: string }> {
    const linkIds = [...new Set(input.linkIds)];
    const missing: string[] = [];
    for (const id of linkIds) if ((await this.deps.store.links.get(id)) === undefined) missing.push(id);
    if (missing.length > 0) {
      throw new ConsumerError('CONSUMER_LINKS_UNKNOWN', 'Some links do not exist.', missing.map((id) => ({ path: `linkIds.${linkIds.indexOf(id)}`, message: `no link with id ${id}` })));
    }
    const id = randomUUID();
    const secret = randomBytes(32).toString('base64url');
    const record: ConsumerRecord = { id, name: input.name, keyHash: hashSecret(secret), linkIds, createdAt: new Date(this.deps.now()).toISOString() };
    await this.deps.store.consumers.create(record);
    return { consumer: view(record), apiKey: `${PREFIX}${id}_${secret}` };
  }

  async list(): Promise<ConsumerView[]> {
    return (await this.deps.store.consumers.list()).map(view);
  }

  async delete(id: string): Promise<void> {
    this.cache.delete(id);
    for (const [key, entry] of this.verified) if (entry.record.id === id) this.verified.delete(key);
    if (!(await this.deps.store.consumers.delete(id))) throw new ConsumerError('CONSUMER_NOT_FOUND', `No consumer with id ${id}.`);
  }

  /** The consumer an API key belongs to, or undefined when the key is not one of ours or is wrong. */
  async authenticate(apiKey: string): Promise<ConsumerRecord | undefined> {
    const now = this.deps.now();
    const hit = this.verified.get(apiKey);
    if (hit !== undefined && now - hit.at < CACHE_MS) return hit.record;
    const match = KEY_PATTERN.exec(apiKey);
    if (match === null) return undefined;
    const [, id, secret] = match as unknown as [string, string, string];
    const record = await this.lookup(id);
    if (record === undefined) return undefined;
    const given = Buffer.from(hashSecret(secret), 'hex');
    const expected = Buffer.from(record.keyHash, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    if (this.verified.size >= 10_000) this.verified.clear();
    this.verified.set(apiKey, { record, at: now });
    return record;
  }

  static looksLikeApiKey(bearer: string): boolean {
    return bearer.startsWith(PREFIX);
  }

  private async lookup(id: string): Promise<ConsumerRecord | undefined> {
    const now = this.deps.now();
    const hit = this.cache.get(id);
    if (hit !== undefined && now - hit.loadedAt < CACHE_MS) return hit.record;
    const record = await this.deps.store.consumers.get(id);
    // Unknown ids are remembered too, briefly, so guessing cannot make every request a query.
    this.cache.set(id, { record, loadedAt: now });
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value as string);
    return record;
  }
}

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

function view(record: ConsumerRecord): ConsumerView {
  return { id: record.id, name: record.name, linkIds: record.linkIds, createdAt: record.createdAt };
}
