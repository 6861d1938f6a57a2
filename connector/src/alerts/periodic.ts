import type { Logger } from 'pino';

/**
 * Runs `work` again `intervalMs` after each run ends (never two at once in a process), until
 * stopped; `nudge` runs it soon without waiting for the interval (a new event was queued).
 */
export class Periodic {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private again = false;

  constructor(private readonly options: { name: string; intervalMs: number; work: () => Promise<unknown>; logger: Logger }) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.later(0);
  }

  nudge(): void {
    if (this.stopped) return;
    if (this.running !== undefined) this.again = true;
    else this.later(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.running;
  }

  private later(ms: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.stopped || this.running !== undefined) return;
    this.running = this.options.work().then(
      () => undefined,
      (error: unknown) => this.options.logger.error({ err: error, task: this.options.name }, 'a periodic task failed'),
    );
    await this.running;
    this.running = undefined;
    if (this.stopped) return;
    const again = this.again;
    this.again = false;
    this.later(again ? 0 : this.options.intervalMs);
  }
}
