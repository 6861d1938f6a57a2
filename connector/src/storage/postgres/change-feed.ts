/**
 * Hearing other replicas' token changes: every token write runs `pg_notify` inside its own
 * transaction (PostgreSQL delivers it at commit, and drops it on rollback), and each store with a
 * listener keeps ONE connection, outside the pool, that LISTENs and hands the changes on.
 *
 * A pooled connection cannot do this: LISTEN belongs to a session, and the pool hands sessions to
 * whoever asks next. PostgreSQL also sends a session the notifications it caused itself; the store
 * has called its listeners already when its own write committed, so payloads carry the writing
 * store's `origin` and the store skips its own (one path per listener call, never two).
 *
 * Notifications are not queued for a session that is not listening: changes made while the
 * connection is down (between a drop and the reconnect) are not announced. Listeners use them to
 * drop cached copies early, never as the only way to learn of a change.
 */
import pg from 'pg';
import { decodeNotification, type BackgroundErrorHandler, type ChangeListeners } from '../changes';
import { StoreError } from '../store';

/** The channel of token changes; NOTIFY and LISTEN name it literally, so it stays a plain identifier. */
export const TOKEN_CHANNEL = 'applinks_tokens';

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 30_000;

export interface ChangeFeedOptions {
  connectionString: string;
  connectTimeoutMs: number;
  /** This store's id in the payloads it writes. */
  origin: string;
  listeners: ChangeListeners;
  onError: BackgroundErrorHandler;
}

export class ChangeFeed {
  private client: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private closed = false;
  private retryMs = FIRST_RETRY_MS;

  constructor(private readonly options: ChangeFeedOptions) {}

  /** Opens the listening connection the first time it is called; later calls do nothing. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    void this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const client = this.client;
    this.client = undefined;
    // Ending a client that is still connecting aborts the connect; its failure is ours, not news.
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    this.timer = undefined;
    if (this.closed) return;
    const client = new pg.Client({
      connectionString: this.options.connectionString,
      connectionTimeoutMillis: this.options.connectTimeoutMs,
      // The connection only ever reads: keep-alives are how a silently dead peer gets noticed.
      keepAlive: true,
    });
    this.client = client;
    let lost = false;
    const onLost = (cause: unknown): void => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = undefined;
      client.removeAllListeners('notification');
      void client.end().catch(() => undefined);
      if (this.closed) return;
      this.options.onError(
        new StoreError(
          'UNAVAILABLE',
          'The PostgreSQL connection that hears other replicas\' token changes is down; reconnecting. Changes made meanwhile are not announced.',
          { cause },
        ),
      );
      this.scheduleReconnect();
    };
    // Without an 'error' listener pg would crash the process when the server drops the connection.
    client.on('error', onLost);
    client.on('end', () => onLost(new Error('the listening connection ended')));
    client.on('notification', (message) => this.dispatch(message));
    try {
      await client.connect();
      await client.query(`LISTEN ${TOKEN_CHANNEL}`);
      this.retryMs = FIRST_RETRY_MS;
    } catch (error) {
      onLost(error);
    }
  }

  private scheduleReconnect(): void {
    if (this.closed || this.timer !== undefined) return;
    // Full jitter, so replicas that lost the server together do not come back together.
    const delay = Math.round(Math.random() * this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
    this.timer = setTimeout(() => void this.connect(), delay);
    // A store that is never closed must not keep the process alive just to reconnect.
    this.timer.unref();
  }

  private dispatch(message: pg.Notification): void {
    if (message.channel !== TOKEN_CHANNEL) return;
    const change = decodeNotification(message.payload);
    if (change === undefined) {
      // A payload this version cannot read: a newer replica during a rolling upgrade, or a person.
      this.options.onError(new Error(`A notification on ${TOKEN_CHANNEL} could not be read; it was ignored.`));
      return;
    }
    if (change.origin === this.options.origin) return;
    this.options.listeners.emit([{ linkId: change.linkId, subject: change.subject }]);
  }
}
