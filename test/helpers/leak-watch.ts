/**
 * Collects everything a test lets out of the connector (log lines, response bodies and headers,
 * CLI output) so that a suite can assert at the end that no secret it used appears anywhere.
 */
export class LeakWatch {
  private readonly seen: string[] = [];
  private readonly secrets = new Map<string, ((text: string) => boolean) | undefined>();

  /**
   * Registers a value that must never be seen outside, except in the texts `allowedIn` accepts:
   * the one response that hands it out on purpose (an API key shown once, a token served to its
   * consumer). Log lines are never allowed.
   */
  secret<T extends string>(value: T, allowedIn?: (text: string) => boolean): T {
    if (!this.secrets.has(value) || allowedIn !== undefined) this.secrets.set(value, allowedIn);
    return value;
  }

  record(text: string): void {
    this.seen.push(text);
  }

  /** A writable stream for pino that records every log line. */
  get stream(): { write(line: string): void } {
    return { write: (line: string) => this.record(line) };
  }

  get lines(): readonly string[] {
    return this.seen;
  }

  /** The secrets that appeared, with where; empty when nothing leaked. */
  leaks(): { secret: string; where: string }[] {
    const found: { secret: string; where: string }[] = [];
    for (const [secret, allowedIn] of this.secrets) {
      for (const text of this.seen) {
        const isLogLine = text.startsWith('{"level"');
        if (text.includes(secret) && (isLogLine || allowedIn === undefined || !allowedIn(text))) found.push({ secret: `${secret.slice(0, 3)}…(${secret.length} chars)`, where: text.slice(0, 300) });
      }
    }
    return found;
  }

  get secretCount(): number {
    return this.secrets.size;
  }

  get recordedCount(): number {
    return this.seen.length;
  }
}
