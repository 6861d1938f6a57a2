/**
 * Storage conformance for one refresh per credential at a time (`tokens.withLock`).
 * Every case runs on SQLite and on PostgreSQL (`describe.each(BACKENDS)`).
 */
import { type Store, type TokenAccess } from '../../../connector/src/storage';
import { BACKENDS, type StoreDatabase } from './backends';
import {
  at,
  increment,
  link,
  rejection,
  saveToken,
  sealed,
  settlesWithin,
  tick,
  tokenRecord,
  tokenSecrets,
  vaultKey,
} from './fixtures';

describe.each(BACKENDS)('$name store', (backend) => {
  let db: StoreDatabase;
  let store: Store;

  beforeEach(async () => {
    db = await backend.prepare();
    store = db.open();
    await store.migrate();
  });

  afterEach(async () => {
    await db.cleanup();
  });

  describe('token locks', () => {
    beforeEach(async () => {
      await store.vaultKeys.insert(vaultKey(1));
      await store.links.create(link('a'));
      await saveToken(store, 'a');
    });

    it('20 concurrent withLock calls that read, yield and write a counter end with exactly 20, each having read a different value', async () => {
      const seen = await Promise.all(Array.from({ length: 20 }, () => increment(store)));
      expect((await store.tokens.get('a', ''))?.record.failureCount).toBe(20);
      expect([...seen].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    });

    it('withLock with wait:false reports not acquired while another holder runs, and acquires once it is released', async () => {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let entered!: () => void;
      const inside = new Promise<void>((resolve) => (entered = resolve));
      const holder = store.tokens.withLock('a', '', { wait: true }, async () => {
        entered();
        await held;
        return 'holder';
      });
      await inside;
      let ran = false;
      try {
        expect(await store.tokens.withLock('a', '', { wait: false }, async () => (ran = true))).toEqual({ acquired: false });
        expect(ran).toBe(false);
      } finally {
        release();
      }
      expect(await holder).toEqual({ acquired: true, value: 'holder' });
      expect(await store.tokens.withLock('a', '', { wait: false }, async () => 'second')).toEqual({ acquired: true, value: 'second' });
    });

    it('a waiting withLock runs after the holder is done, not beside it', async () => {
      const events: string[] = [];
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const first = store.tokens.withLock('a', '', { wait: true }, async () => {
        events.push('first in');
        await held;
        events.push('first out');
      });
      await tick(20);
      const second = store.tokens.withLock('a', '', { wait: true }, async () => {
        events.push('second in');
      });
      try {
        await tick(50);
        expect(events).toEqual(['first in']);
      } finally {
        release();
      }
      await Promise.all([first, second]);
      expect(events).toEqual(['first in', 'first out', 'second in']);
    });

    it('locks of different credentials do not exclude each other', async () => {
      await store.links.create(link('b'));
      await saveToken(store, 'b');
      // Each holder waits for the other to be inside: only possible if both hold their lock at once.
      let aInside!: () => void;
      let bInside!: () => void;
      const aIn = new Promise<void>((resolve) => (aInside = resolve));
      const bIn = new Promise<void>((resolve) => (bInside = resolve));
      const both = Promise.all([
        store.tokens.withLock('a', '', { wait: true }, async () => (aInside(), await bIn, 'a')),
        store.tokens.withLock('b', '', { wait: true }, async () => (bInside(), await aIn, 'b')),
        store.tokens.withLock('a', 'user-1', { wait: false }, async () => 'a/user-1'),
      ]);
      expect(await settlesWithin(both, 5_000)).toBe(true);
      expect(await both).toEqual([
        { acquired: true, value: 'a' },
        { acquired: true, value: 'b' },
        { acquired: true, value: 'a/user-1' },
      ]);
    });

    it('withLock returns what work returns; what work throws comes back as thrown, and the lock is released', async () => {
      const failure = new Error('work failed');
      expect(await rejection(store.tokens.withLock('a', '', { wait: true }, async () => Promise.reject(failure)))).toBe(failure);
      // An error that looks like a driver's (a network code) is work's own: it is not turned into a StoreError.
      const network = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      expect(await rejection(store.tokens.withLock('a', '', { wait: true }, async () => Promise.reject(network)))).toBe(network);
      expect(await store.tokens.withLock('a', '', { wait: false }, async () => 42)).toEqual({ acquired: true, value: 42 });
    });

    it('the access given to work reads and writes the credential, and is refused once work has settled', async () => {
      let leaked: TokenAccess | undefined;
      const result = await store.tokens.withLock('a', '', { wait: true }, async (access) => {
        leaked = access;
        const current = await access.get('a', '');
        const next = tokenRecord('a', '', { updatedAt: at(10), hasRefreshToken: false });
        await access.save(next, tokenSecrets('locked', { refresh: false }));
        return current?.record.updatedAt;
      });
      expect(result).toEqual({ acquired: true, value: at(0) });
      expect(await store.tokens.get('a', '')).toEqual({ record: tokenRecord('a', '', { updatedAt: at(10), hasRefreshToken: false }), accessToken: sealed(1, 'at-locked'), refreshToken: null });
      await expect(leaked!.get('a', '')).rejects.toThrow(/after its work settled/);
      await expect(leaked!.saveRecord(tokenRecord('a'))).rejects.toThrow(/after its work settled/);
    });
  });
});
