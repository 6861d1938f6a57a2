import { randomUUID } from 'node:crypto';
import { AuditEntrySchema, type AuditEntry } from '../../contract';
import { AppError } from '../errors';
import { StorageError, type KeyValueStore } from './key-value-store';
import { KEYS } from './keys';

/** The largest millisecond timestamp we will meet; subtracting from it makes keys sort newest first. */
const TIME_CEILING = 9_999_999_999_999;
/** Entries written in the same millisecond by one process count down within it, so they keep their order. */
const SEQUENCE_CEILING = 999_999;

/** A page of entries as stored (the actors' names are added when the page is shown). */
export interface StoredAuditPage {
  items: AuditEntry[];
  nextCursor: string | null;
}

/**
 * Who changed which link when, and what changed. Each entry is written twice, under the site-wide
 * prefix and under its link's, so both views are one kvs query per page, newest first. Entries are
 * built from stored link records (which hold no secret), so a secret cannot end up here.
 */
export class AuditLog {
  private lastTime = -1;
  private sequence = 0;

  constructor(
    private readonly store: KeyValueStore,
    private readonly now: () => Date,
    private readonly newId: () => string = randomUUID,
  ) {}

  async record(entry: Omit<AuditEntry, 'id' | 'at'>): Promise<AuditEntry> {
    const at = this.now();
    const full = AuditEntrySchema.parse({ ...entry, id: this.newId(), at: at.toISOString() });
    const inverted = this.sortKey(at.getTime());
    await this.store.set(KEYS.auditAll(inverted, full.id), full);
    if (full.linkId !== null) await this.store.set(KEYS.auditOfLink(full.linkId, inverted, full.id), full);
    return full;
  }

  /**
   * An entry whose id and time come from elsewhere (a connector transition): its keys follow from
   * them alone, so writing it again, from this or a concurrent call, rewrites the same entry.
   */
  async recordAs(entry: Omit<AuditEntry, 'id' | 'at'>, origin: { id: string; at: string }): Promise<AuditEntry> {
    const full = AuditEntrySchema.parse({ ...entry, id: origin.id, at: origin.at });
    const inverted = `${String(TIME_CEILING - Date.parse(origin.at)).padStart(13, '0')}.${String(SEQUENCE_CEILING).padStart(6, '0')}`;
    await this.store.set(KEYS.auditAll(inverted, full.id), full);
    if (full.linkId !== null) await this.store.set(KEYS.auditOfLink(full.linkId, inverted, full.id), full);
    return full;
  }

  /** Newest first: the time counts down, and so does the sequence within one millisecond. */
  private sortKey(time: number): string {
    this.sequence = time === this.lastTime ? Math.min(this.sequence + 1, SEQUENCE_CEILING) : 0;
    this.lastTime = time;
    return `${String(TIME_CEILING - time).padStart(13, '0')}.${String(SEQUENCE_CEILING - this.sequence).padStart(6, '0')}`;
  }

  async page(options: { linkId?: string | undefined; limit: number; cursor?: string | undefined }): Promise<StoredAuditPage> {
    const prefix = options.linkId === undefined ? KEYS.auditAllPrefix : KEYS.auditOfLinkPrefix(options.linkId);
    let page;
    try {
      page = await this.store.query(prefix, { cursor: options.cursor, limit: options.limit });
    } catch (error) {
      if (options.cursor !== undefined) {
        throw new AppError('VALIDATION_FAILED', 'The cursor is not one this log gave out.', [{ path: 'cursor', message: 'is not valid' }], { cause: error });
      }
      throw error;
    }
    const items = page.items.map((item) => {
      const parsed = AuditEntrySchema.safeParse(item.value);
      if (!parsed.success) throw new StorageError('INVALID_VALUE', `The audit entry ${item.key} is not in the expected shape.`, { cause: parsed.error });
      return parsed.data;
    });
    return { items, nextCursor: page.nextCursor ?? null };
  }
}
