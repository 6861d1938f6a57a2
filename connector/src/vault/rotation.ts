import type { Store } from '../storage/store';
import { StoreError } from '../storage/store';
import { VaultError } from './errors';
import type { MasterKey } from './master-key';
import type { Vault } from './vault';

export interface RotationProgress {
  phase: 'new-key' | 'waiting' | 'rewrapping' | 'retiring' | 'done';
  rewrapped: number;
  remaining?: number;
}

export interface RotationReport {
  newVersion: number;
  rewrapped: number;
  /** Data-key versions deleted because nothing is sealed under them any more. */
  retiredVersions: number[];
  /** Old versions still referenced after every pass (only when writers kept using them). */
  remainingOldVersions: number[];
}

export interface RotateDataKeyOptions {
  store: Store;
  vault: Vault;
  batchSize?: number;
  /**
   * How long to let other replicas notice the new key before re-wrapping. Defaults to the vault's
   * refresh interval plus a second; correctness does not depend on it (see below), only how
   * often a write has to be retried.
   */
  graceMs?: number;
  sleep?: (ms: number) => Promise<void>;
  onProgress?: (progress: RotationProgress) => void;
}

const MAX_PASSES = 5;

/**
 * Rotates the data key while the connector keeps serving: adds a new data key, re-seals every
 * secret under it with compare-and-swap (a secret written meanwhile is already under the new key
 * and is left alone), then deletes the old keys. The store's foreign key from secrets to data keys
 * makes the last step safe against a replica that still seals with an old key: either its write
 * lands first and the old key stays for another pass, or the key goes first and its write fails
 * with STALE_KEY_VERSION and is retried with fresh keys (`Vault.withFreshKeys`).
 */
export async function rotateDataKey(options: RotateDataKeyOptions): Promise<RotationReport> {
  const { store, vault } = options;
  const batchSize = options.batchSize ?? 200;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const progress = options.onProgress ?? (() => undefined);

  await vault.refresh();
  const newVersion = vault.activeVersion + 1;
  try {
    await store.vaultKeys.insert(vault.wrapNewKey(newVersion));
  } catch (error) {
    if (error instanceof StoreError && error.code === 'ALREADY_EXISTS') {
      throw new VaultError('ROTATION_IN_PROGRESS', 'another rotate-key added a data key at the same moment; run it again when that one ends', { cause: error });
    }
    throw error;
  }
  await vault.refresh();
  progress({ phase: 'new-key', rewrapped: 0 });

  progress({ phase: 'waiting', rewrapped: 0 });
  await sleep(options.graceMs ?? vault.refreshIntervalMs + 1_000);

  let rewrapped = 0;
  const retiredVersions: number[] = [];
  for (let pass = 0; pass < MAX_PASSES; pass += 1) {
    // A pass reads as many batches as there were old secrets when it began (and one more): a
    // replica that still seals under the old key (it has not refreshed yet) would otherwise keep
    // the listing from ever running dry, and the rotation would chase it forever. What such a
    // replica writes meanwhile is left to the next pass, and the old key stays while it is used.
    const counts = await store.secrets.countByKeyVersion();
    let below = 0;
    for (const [version, count] of counts) if (version < newVersion) below += count;
    for (let batches = Math.ceil(below / batchSize) + 1; batches > 0; batches -= 1) {
      const rows = await store.secrets.listBelowKeyVersion(newVersion, batchSize);
      if (rows.length === 0) break;
      let swappedInBatch = 0;
      for (const row of rows) {
        const plaintext = await vault.open(row.ownerId, row.field, row);
        const next = await vault.seal(row.ownerId, row.field, plaintext);
        if (await store.secrets.compareAndSwap(row.ownerId, row.field, row.ciphertext, next)) {
          rewrapped += 1;
          swappedInBatch += 1;
        }
      }
      progress({ phase: 'rewrapping', rewrapped });
      // Rows that changed under us are re-read next time; when none of a batch swapped, every one
      // of them was rewritten concurrently and listing again shows the new state.
      if (swappedInBatch === 0) await sleep(10);
    }
    progress({ phase: 'retiring', rewrapped });
    retiredVersions.push(...(await store.vaultKeys.deleteUnreferencedBelow(newVersion)));
    const left = (await store.vaultKeys.list()).filter((row) => row.version < newVersion).map((row) => row.version);
    if (left.length === 0) {
      await vault.refresh();
      progress({ phase: 'done', rewrapped });
      return { newVersion, rewrapped, retiredVersions, remainingOldVersions: [] };
    }
  }
  await vault.refresh();
  const remainingOldVersions = (await store.vaultKeys.list()).filter((row) => row.version < newVersion).map((row) => row.version);
  progress({ phase: 'done', rewrapped });
  return { newVersion, rewrapped, retiredVersions, remainingOldVersions };
}

/**
 * Re-wraps every data key under a new master key in one transaction. Secrets are untouched (they
 * are sealed by data keys), so this is instant whatever the number of secrets.
 */
export async function rotateMasterKey(options: { store: Store; vault: Vault; next: MasterKey }): Promise<{ keys: number }> {
  await options.vault.refresh();
  const rows = options.vault.rewrapAll(options.next);
  await options.store.vaultKeys.replaceAll(rows);
  return { keys: rows.length };
}
