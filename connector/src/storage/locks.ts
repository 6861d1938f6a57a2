/**
 * In-process locks for `tokens.withLock`. SQLite serves one process, so a lock per credential in
 * memory is the whole lock there. PostgreSQL takes the same lock before the advisory lock: callers
 * in one process then queue here instead of each holding a pooled connection while they wait for
 * the database's lock, which would leave the lock's holder no connection for its own queries.
 */

export type Release = () => void;

/** One async mutex per key: a map of promise chains, with an entry only while the key is held. */
export class KeyedMutex {
  /** Resolves when the last caller queued on the key has released it. */
  private readonly tails = new Map<string, Promise<void>>();

  isHeld(key: string): boolean {
    return this.tails.has(key);
  }

  /** Waits for the key, in arrival order. */
  async acquire(key: string): Promise<Release> {
    const previous = this.tails.get(key);
    const release = this.enqueue(key);
    if (previous !== undefined) await previous;
    return release;
  }

  /** The key at once, or undefined when someone holds or waits for it. */
  tryAcquire(key: string): Release | undefined {
    return this.tails.has(key) ? undefined : this.enqueue(key);
  }

  private enqueue(key: string): Release {
    let resolve!: () => void;
    const mine = new Promise<void>((done) => (resolve = done));
    const previous = this.tails.get(key);
    const tail = previous === undefined ? mine : previous.then(() => mine);
    this.tails.set(key, tail);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      resolve();
      // Nobody queued behind us: forget the key, so the map holds only keys in use.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}

/** At most `size` holders at a time; the others wait in arrival order. */
export class Semaphore {
  private available: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError('A semaphore needs a positive integer size');
    this.available = size;
  }

  async acquire(): Promise<Release> {
    if (this.available > 0) {
      this.available -= 1;
    } else {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // A waiter takes the slot over directly, so a newcomer cannot overtake it.
      const next = this.waiting.shift();
      if (next === undefined) this.available += 1;
      else next();
    };
  }
}
