import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { EntityOperation, WriteOptions } from '../src/storage/key-value-store';
import { MemoryKeyValueStore, type MemoryStoreSnapshot } from './memory-key-value-store';

/**
 * The in-memory kvs twin, kept in a JSON file so that the preview's links survive a restart.
 * Writes are coalesced: the file is rewritten (atomically, through a rename) at most every 50 ms,
 * and on `flush()`. Secrets are kept in the same file: it is a local development store (mode 0600).
 */
export class FileKeyValueStore extends MemoryKeyValueStore {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly file: string) {
    super();
    if (existsSync(file)) this.restore(JSON.parse(readFileSync(file, 'utf8')) as MemoryStoreSnapshot);
  }

  override async set(key: string, value: unknown, options?: WriteOptions): Promise<void> {
    await super.set(key, value, options);
    this.changed();
  }
  override async swap(key: string, value: unknown, options?: WriteOptions): Promise<unknown> {
    const previous = await super.swap(key, value, options);
    this.changed();
    return previous;
  }
  override async delete(key: string): Promise<void> {
    await super.delete(key);
    this.changed();
  }
  override async setSecret(key: string, value: unknown, options?: WriteOptions): Promise<void> {
    await super.setSecret(key, value, options);
    this.changed();
  }
  override async deleteSecret(key: string): Promise<void> {
    await super.deleteSecret(key);
    this.changed();
  }
  override async transact(operations: readonly EntityOperation[]): Promise<void> {
    await super.transact(operations);
    this.changed();
  }

  /** Writes the file now (and cancels a pending write). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    mkdirSync(path.dirname(this.file), { recursive: true });
    const temp = `${this.file}.tmp`;
    writeFileSync(temp, JSON.stringify(this.snapshot()), { mode: 0o600 });
    renameSync(temp, this.file);
  }

  private changed(): void {
    this.timer ??= setTimeout(() => this.flush(), 50);
  }
}
