/**
 * The listeners of `tokens.onChange` in one store. Both adapters call them after the change has
 * committed; PostgreSQL also hears other processes' changes (see `postgres/change-feed.ts`).
 */
import { z } from 'zod';

export type ChangeListener = (linkId: string, subject: string) => void;

/** One credential whose tokens changed. */
export interface TokenChange {
  linkId: string;
  subject: string;
}

/** Failures nobody awaits: a listener that threw, the notification connection dropping. */
export type BackgroundErrorHandler = (error: unknown) => void;

export class ChangeListeners {
  // Entries rather than the functions themselves: the same function subscribed twice is two
  // subscriptions, each with its own unsubscribe.
  private readonly entries = new Set<{ listener: ChangeListener }>();

  constructor(private readonly onError: BackgroundErrorHandler) {}

  get size(): number {
    return this.entries.size;
  }

  add(listener: ChangeListener): () => void {
    const entry = { listener };
    this.entries.add(entry);
    return () => {
      this.entries.delete(entry);
    };
  }

  /**
   * Calls every listener. A listener that throws is reported and does not stop the others: the
   * change is committed already, and the writer that caused it must not see it fail.
   */
  emit(changes: readonly TokenChange[]): void {
    for (const { linkId, subject } of changes) {
      for (const { listener } of [...this.entries]) {
        try {
          listener(linkId, subject);
        } catch (error) {
          this.onError(error);
        }
      }
    }
  }
}

/**
 * The payload of a PostgreSQL notification: JSON, since a subject (an account id) may hold any
 * character. `origin` names the store that wrote it, so that store skips its own changes, which it
 * has told its listeners about already.
 */
const NotificationSchema = z.object({ origin: z.string(), linkId: z.string(), subject: z.string() });

export function encodeNotification(origin: string, change: TokenChange): string {
  return JSON.stringify({ origin, linkId: change.linkId, subject: change.subject });
}

/** The change a notification announces, or undefined for one this version cannot read. */
export function decodeNotification(payload: string | undefined): (TokenChange & { origin: string }) | undefined {
  if (payload === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    return undefined;
  }
  const parsed = NotificationSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}
