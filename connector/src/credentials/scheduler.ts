import type { Logger } from 'pino';
import type { Store } from '../storage/store';
import type { CredentialService } from './service';

export interface SchedulerOptions {
  store: Store;
  credentials: CredentialService;
  logger: Logger;
  now?: () => number;
  /** Pause between scans when there was nothing (or little) to do. */
  intervalMs?: number;
  /** How many due credentials one scan takes. */
  batchSize?: number;
  /** Refreshes running at once in this process. */
  concurrency?: number;
}

/**
 * Refreshes credentials ahead of expiry. Every replica runs one; they take the same due list and skip a credential whose lock another replica holds (`wait: false`), so
 * together they share the work and never refresh one credential twice.
 */
export class RefreshScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  /** Set by stop(): a scan in progress finishes its current refreshes and takes no more. */
  private halting = false;
  private readonly now: () => number;

  constructor(private readonly options: SchedulerOptions) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.halting = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.halting = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.running;
  }

  /** One scan: refreshes what is due now. Returns how many credentials it looked at. */
  async runOnce(): Promise<number> {
    const { store, credentials } = this.options;
    const now = new Date(this.now()).toISOString();
    // Soonest to expire first. Replicas walk the same list; a credential another replica holds is
    // skipped at once (try-lock), so they spread over the list instead of queueing on one item.
    const due = await store.tokens.listDue(now, now, this.options.batchSize ?? 500);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (!this.halting) {
        const item = due[next];
        next += 1;
        if (item === undefined) return;
        await credentials.refresh(item.linkId, item.subject, { wait: false });
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency ?? 8, due.length) }, worker));
    return due.length;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .then((count) => this.schedule(count >= (this.options.batchSize ?? 500) ? 0 : (this.options.intervalMs ?? 5_000)))
        .catch((error: unknown) => {
          this.options.logger.error({ err: error }, 'refresh scan failed');
          this.schedule(this.options.intervalMs ?? 5_000);
        });
    }, delay);
    this.timer.unref();
  }
}
