import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createStore } from '../../../connector/src/storage';
import type { Store } from '../../../connector/src/storage/store';
import { VaultError } from '../../../connector/src/vault/errors';
import { loadMasterKey, masterKeyId, type MasterKey } from '../../../connector/src/vault/master-key';
import { rotateDataKey, rotateMasterKey } from '../../../connector/src/vault/rotation';
import { Vault } from '../../../connector/src/vault/vault';
import { createTestDatabase, dumpDatabase } from '../../helpers/postgres';

const masterKey = (): MasterKey => {
  const key = randomBytes(32);
  return { key, id: masterKeyId(key), source: 'environment' };
};

/** Opens the same database the way a second process (a replica, the CLI) would. */
interface Env {
  store: Store;
  reopen(): Store;
  dump(): Promise<string>;
  cleanup(): Promise<void>;
}

async function openEnv(dialect: 'sqlite' | 'postgres'): Promise<Env> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vault-test-'));
  if (dialect === 'sqlite') {
    const opened: Store[] = [];
    const open = () => {
      const s = createStore({ dataDir });
      opened.push(s);
      return s;
    };
    const store = open();
    await store.migrate();
    return {
      store,
      reopen: open,
      // Everything on disk: the database file and its WAL, read as bytes.
      dump: async () => readdirSync(dataDir).map((f) => readFileSync(path.join(dataDir, f)).toString('latin1')).join('\n'),
      cleanup: async () => {
        for (const s of opened) await s.close().catch(() => undefined);
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const db = await createTestDatabase();
  const opened: Store[] = [];
  const open = () => {
    const s = createStore({ dataDir, databaseUrl: db.url });
    opened.push(s);
    return s;
  };
  const store = open();
  await store.migrate();
  return {
    store,
    reopen: open,
    dump: () => dumpDatabase(db.url),
    cleanup: async () => {
      for (const s of opened) await s.close().catch(() => undefined);
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

describe.each(['sqlite', 'postgres'] as const)('vault on %s', (dialect) => {
  let env: Env;
  let key: MasterKey;
  let vault: Vault;

  beforeEach(async () => {
    env = await openEnv(dialect);
    key = masterKey();
    vault = new Vault({ store: env.store, masterKey: key });
    await vault.init();
  });
  afterEach(async () => {
    await env.cleanup();
  });

  it('opens what it sealed, and the ciphertext names its data-key version', async () => {
    const sealed = await vault.seal('link-1', 'clientSecret', 'héllo wörld');
    expect(sealed.ciphertext).toMatch(/^av1:1:/);
    expect(sealed.keyVersion).toBe(1);
    await expect(vault.open('link-1', 'clientSecret', sealed)).resolves.toBe('héllo wörld');
  });

  it('refuses a ciphertext moved to another record or another field', async () => {
    const sealed = await vault.seal('link-1', 'clientSecret', 'top secret');
    await expect(vault.open('link-2', 'clientSecret', sealed)).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
    await expect(vault.open('link-1', 'refreshToken', sealed)).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
    // Boundaries between id and field cannot be shifted either.
    const shifted = await vault.seal('a:b', 'c', 'x');
    await expect(vault.open('a', 'b:c', shifted)).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
  });

  it('rejects every single-byte tampering of iv, body and tag, and a relabelled key version', async () => {
    const sealed = await vault.seal('link-1', 'clientSecret', 'a secret that matters');
    const [format, version, iv, body] = sealed.ciphertext.split(':') as [string, string, string, string];
    for (const [part, value] of [['iv', iv], ['body', body]] as const) {
      const bytes = Buffer.from(value, 'base64url');
      for (let i = 0; i < bytes.length; i += 1) {
        const copy = Buffer.from(bytes);
        copy[i] = (copy[i] ?? 0) ^ 0x01;
        const tampered = part === 'iv' ? [format, version, copy.toString('base64url'), body] : [format, version, iv, copy.toString('base64url')];
        await expect(vault.open('link-1', 'clientSecret', { keyVersion: 1, ciphertext: tampered.join(':') })).rejects.toBeInstanceOf(VaultError);
      }
    }
    await env.store.vaultKeys.insert(vault.wrapNewKey(2));
    await expect(vault.open('link-1', 'clientSecret', { keyVersion: 2, ciphertext: [format, '2', iv, body].join(':') })).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
    await expect(vault.open('link-1', 'clientSecret', { keyVersion: 1, ciphertext: 'not-a-ciphertext' })).rejects.toMatchObject({ code: 'MALFORMED_CIPHERTEXT' });
  });

  it('refuses to start with a master key other than the one that protects the store', async () => {
    const other = new Vault({ store: env.store, masterKey: masterKey() });
    await expect(other.init()).rejects.toMatchObject({ code: 'MASTER_KEY_MISMATCH' });
  });

  it('after rotate-key every secret still reads and none is under the old key', async () => {
    const secrets = new Map<string, string>();
    for (let i = 0; i < 25; i += 1) {
      const value = `secret-${i}-${randomBytes(8).toString('hex')}`;
      secrets.set(`link-${i}`, value);
      await env.store.secrets.put(`link-${i}`, 'clientSecret', await vault.seal(`link-${i}`, 'clientSecret', value));
    }
    const report = await rotateDataKey({ store: env.store, vault, graceMs: 0, batchSize: 7 });
    expect(report).toMatchObject({ newVersion: 2, rewrapped: 25, retiredVersions: [1], remainingOldVersions: [] });
    expect([...(await env.store.secrets.countByKeyVersion()).entries()]).toEqual([[2, 25]]);
    expect((await env.store.vaultKeys.list()).map((k) => k.version)).toEqual([2]);
    const fresh = new Vault({ store: env.reopen(), masterKey: key });
    await fresh.init();
    for (const [owner, value] of secrets) {
      const sealed = await env.store.secrets.get(owner, 'clientSecret');
      expect(sealed?.keyVersion).toBe(2);
      await expect(fresh.open(owner, 'clientSecret', sealed!)).resolves.toBe(value);
    }
  });

  /**
   * The rotation's store with one step of another replica slipped in just before a given store
   * call, so each interleaving the rotation must survive happens every run, not when the
   * scheduler happens to produce it.
   */
  function interleaved(store: Store, hooks: { beforeDeleteKeys?: () => Promise<void>; beforeCompareAndSwap?: (ownerId: string) => Promise<void> }): { store: Store; calls: { list: number; deleteKeys: number } } {
    const calls = { list: 0, deleteKeys: 0 };
    const secrets: Store['secrets'] = Object.create(store.secrets);
    secrets.listBelowKeyVersion = async (version, limit) => {
      calls.list += 1;
      return store.secrets.listBelowKeyVersion(version, limit);
    };
    secrets.compareAndSwap = async (ownerId, field, expected, next) => {
      await hooks.beforeCompareAndSwap?.(ownerId);
      return store.secrets.compareAndSwap(ownerId, field, expected, next);
    };
    const vaultKeys: Store['vaultKeys'] = Object.create(store.vaultKeys);
    vaultKeys.deleteUnreferencedBelow = async (version) => {
      calls.deleteKeys += 1;
      await hooks.beforeDeleteKeys?.();
      return store.vaultKeys.deleteUnreferencedBelow(version);
    };
    return { store: Object.assign(Object.create(store) as Store, { secrets, vaultKeys }), calls };
  }

  it('a replica write under the old key just before the retire step keeps that key for one more pass, then it is re-wrapped', async () => {
    const replicaStore = env.reopen();
    // The replica never refreshes on its own during the test: it seals under key 1 throughout.
    const replica = new Vault({ store: replicaStore, masterKey: key, refreshIntervalMs: 60_000 });
    await replica.init();
    for (let i = 0; i < 10; i += 1) await env.store.secrets.put(`l${i}`, 'clientSecret', await vault.seal(`l${i}`, 'clientSecret', `v0-${i}`));
    let slipped = false;
    const { store, calls } = interleaved(env.store, {
      beforeDeleteKeys: async () => {
        if (slipped) return;
        slipped = true;
        await replicaStore.secrets.put('l3', 'clientSecret', await replica.seal('l3', 'clientSecret', 'written-by-replica'));
      },
    });
    const report = await rotateDataKey({ store, vault, graceMs: 0, batchSize: 4, sleep: async () => undefined });
    // First pass: the replica's row still references key 1, so the retire step leaves it; the
    // second pass re-wraps that row and retires the key.
    expect(calls.deleteKeys).toBe(2);
    expect(report).toEqual({ newVersion: 2, rewrapped: 11, retiredVersions: [1], remainingOldVersions: [] });
    expect([...(await env.store.secrets.countByKeyVersion()).entries()]).toEqual([[2, 10]]);
    const reader = new Vault({ store: env.reopen(), masterKey: key });
    await reader.init();
    for (let i = 0; i < 10; i += 1) {
      await expect(reader.open(`l${i}`, 'clientSecret', (await env.store.secrets.get(`l${i}`, 'clientSecret'))!)).resolves.toBe(i === 3 ? 'written-by-replica' : `v0-${i}`);
    }
  });

  it('a replica write after the old key was retired fails with STALE_KEY_VERSION and is retried under the new key', async () => {
    const replicaStore = env.reopen();
    const replica = new Vault({ store: replicaStore, masterKey: key, refreshIntervalMs: 60_000 });
    await replica.init();
    await env.store.secrets.put('l1', 'clientSecret', await vault.seal('l1', 'clientSecret', 'before'));
    const report = await rotateDataKey({ store: env.store, vault, graceMs: 0, sleep: async () => undefined });
    expect(report.retiredVersions).toEqual([1]);
    expect(replica.activeVersion).toBe(1);
    const attempts: (string | undefined)[] = [];
    await replica.withFreshKeys(async () => {
      try {
        await replicaStore.secrets.put('l1', 'clientSecret', await replica.seal('l1', 'clientSecret', 'after'));
        attempts.push('ok');
      } catch (error) {
        attempts.push((error as { code?: string }).code);
        throw error;
      }
    });
    expect(attempts).toEqual(['STALE_KEY_VERSION', 'ok']);
    const sealed = (await env.store.secrets.get('l1', 'clientSecret'))!;
    expect(sealed.keyVersion).toBe(2);
    await expect(vault.open('l1', 'clientSecret', sealed)).resolves.toBe('after');
  });

  it('ends after a bounded number of passes when a replica rewrites every secret under the old key before each swap', async () => {
    const replicaStore = env.reopen();
    const replica = new Vault({ store: replicaStore, masterKey: key, refreshIntervalMs: 60_000 });
    await replica.init();
    for (let i = 0; i < 10; i += 1) await env.store.secrets.put(`s${i}`, 'clientSecret', await vault.seal(`s${i}`, 'clientSecret', `v-${i}`));
    // Every swap loses to the replica, so the listing never runs dry by itself: the worst case.
    const { store, calls } = interleaved(env.store, {
      beforeCompareAndSwap: async (ownerId) => {
        await replicaStore.secrets.put(ownerId, 'clientSecret', await replica.seal(ownerId, 'clientSecret', `v-${ownerId.slice(1)}`));
      },
    });
    const report = await rotateDataKey({ store, vault, graceMs: 0, batchSize: 1, sleep: async () => undefined });
    // 5 passes of (10 old secrets / batch 1 + 1) listings each, then it stops and says key 1 is still used.
    expect(calls.list).toBeLessThanOrEqual(5 * 11);
    expect(calls.deleteKeys).toBe(5);
    expect(report).toEqual({ newVersion: 2, rewrapped: 0, retiredVersions: [], remainingOldVersions: [1] });
    const reader = new Vault({ store: env.reopen(), masterKey: key });
    await reader.init();
    for (let i = 0; i < 10; i += 1) await expect(reader.open(`s${i}`, 'clientSecret', (await env.store.secrets.get(`s${i}`, 'clientSecret'))!)).resolves.toBe(`v-${i}`);
  });

  it('master-key rotation re-wraps the data keys: the new key opens everything, the old one no longer starts', async () => {
    await env.store.secrets.put('link-1', 'clientSecret', await vault.seal('link-1', 'clientSecret', 'survives'));
    const next = masterKey();
    await rotateMasterKey({ store: env.store, vault, next });
    const withNew = new Vault({ store: env.reopen(), masterKey: next });
    await withNew.init();
    await expect(withNew.open('link-1', 'clientSecret', (await env.store.secrets.get('link-1', 'clientSecret'))!)).resolves.toBe('survives');
    const withOld = new Vault({ store: env.reopen(), masterKey: key });
    await expect(withOld.init()).rejects.toMatchObject({ code: 'MASTER_KEY_MISMATCH' });
    // The running vault keeps serving with the data keys it already holds.
    await vault.refresh();
    await expect(vault.open('link-1', 'clientSecret', (await env.store.secrets.get('link-1', 'clientSecret'))!)).resolves.toBe('survives');
  });

  it('leaves no secret plaintext and no master key in the database', async () => {
    const plain = `plaintext-marker-${randomBytes(12).toString('hex')}`;
    for (let i = 0; i < 5; i += 1) await env.store.secrets.put(`link-${i}`, 'clientSecret', await vault.seal(`link-${i}`, 'clientSecret', plain));
    await rotateDataKey({ store: env.store, vault, graceMs: 0 });
    const dump = await env.dump();
    expect(dump.length).toBeGreaterThan(1000);
    expect(dump).toContain('av1:2:');
    expect(dump).not.toContain(plain);
    expect(dump).not.toContain(Buffer.from(plain).toString('base64'));
    expect(dump).not.toContain(key.key.toString('base64'));
    expect(dump).not.toContain(key.key.toString('latin1'));
  });
});

describe('master key source', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'master-key-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates master.key with mode 0600 on first start and reads the same key afterwards', async () => {
    const first = await loadMasterKey({ dataDir: path.join(dir, 'data'), wrappedBy: new Set() });
    expect(first.source).toBe('key-file-created');
    expect(statSync(path.join(dir, 'data', 'master.key')).mode & 0o777).toBe(0o600);
    const second = await loadMasterKey({ dataDir: path.join(dir, 'data'), wrappedBy: new Set() });
    expect(second.source).toBe('key-file');
    expect(second.key.equals(first.key)).toBe(true);
  });

  it('creates exactly one key when two processes start at once', async () => {
    const [a, b] = await Promise.all([loadMasterKey({ dataDir: dir, wrappedBy: new Set() }), loadMasterKey({ dataDir: dir, wrappedBy: new Set() })]);
    expect(a.key.equals(b.key)).toBe(true);
  });

  it('never hands a starting process a half-written key file: 16 concurrent first starts all read the one key', async () => {
    // A reader used to be able to open the file another start had created but not yet filled.
    const loaded = await Promise.all(Array.from({ length: 16 }, () => loadMasterKey({ dataDir: dir, wrappedBy: new Set() })));
    expect(new Set(loaded.map((k) => k.id)).size).toBe(1);
    expect(loaded.filter((k) => k.source === 'key-file-created')).toHaveLength(1);
    expect(readdirSync(dir)).toEqual(['master.key']);
  });

  it('refuses a key file other users can read, and says how to fix it', async () => {
    writeFileSync(path.join(dir, 'master.key'), randomBytes(32).toString('base64'));
    chmodSync(path.join(dir, 'master.key'), 0o644);
    await expect(loadMasterKey({ dataDir: dir, wrappedBy: new Set() })).rejects.toThrow(/chmod 600/);
  });

  it('prefers CONNECTOR_MASTER_KEY and insists on 32 bytes', async () => {
    const key = randomBytes(32);
    const loaded = await loadMasterKey({ dataDir: dir, wrappedBy: new Set(), fromEnvironment: key.toString('base64') });
    expect(loaded.source).toBe('environment');
    expect(loaded.key.equals(key)).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
    await expect(loadMasterKey({ dataDir: dir, wrappedBy: new Set(), fromEnvironment: randomBytes(16).toString('base64') })).rejects.toThrow(/32 bytes/);
    await expect(loadMasterKey({ dataDir: dir, wrappedBy: new Set(), fromEnvironment: 'not base64!' })).rejects.toMatchObject({ code: 'MASTER_KEY_INVALID' });
  });
});
