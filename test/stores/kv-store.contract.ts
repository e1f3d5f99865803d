// The contract every KeyValueStore passes; run against each implementation.
import { describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/clock.js';
import type { KeyValueStore } from '../../src/stores/kv-store.js';

export interface StoreUnderTest {
  store: KeyValueStore;
  /** Moves time for the store's TTLs: a manual clock in memory, a real wait on Redis. */
  elapse(ms: number): Promise<void>;
}

export function describeStoreContract(name: string, make: () => Promise<StoreUnderTest>): void {
  describe(`${name} store contract`, () => {
    const key = () => `t:${Math.random().toString(36).slice(2)}`;

    it('sets, gets and deletes', async () => {
      const { store } = await make();
      const k = key();
      expect(await store.get(k)).toBeNull();
      await store.set(k, 'v');
      expect(await store.get(k)).toBe('v');
      await store.del(k);
      expect(await store.get(k)).toBeNull();
    });

    it('expires keys after their TTL', async () => {
      const { store, elapse } = await make();
      const k = key();
      await store.set(k, 'v', 50);
      expect(await store.get(k)).toBe('v');
      await elapse(120);
      expect(await store.get(k)).toBeNull();
    });

    it('setIfAbsent lets exactly one of many concurrent callers win', async () => {
      const { store } = await make();
      const k = key();
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.setIfAbsent(k, String(i), 10_000)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('take returns the value to exactly one of many concurrent callers', async () => {
      const { store } = await make();
      const k = key();
      await store.set(k, 'secret-hash');
      const results = await Promise.all(Array.from({ length: 20 }, () => store.take(k)));
      expect(results.filter((r) => r !== null)).toEqual(['secret-hash']);
      expect(await store.get(k)).toBeNull();
    });

    it('incr counts concurrently without losing updates and keeps the first TTL', async () => {
      const { store, elapse } = await make();
      const k = key();
      const values = await Promise.all(Array.from({ length: 50 }, () => store.incr(k, 100)));
      expect([...values].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      await elapse(150);
      expect(await store.incr(k, 100)).toBe(1);
    });

    it('compareAndSet accepts the expected version only', async () => {
      const { store } = await make();
      const k = key();
      expect((await store.getVersioned(k)).version).toBe(0);
      expect(await store.compareAndSet(k, 0, 'a')).toBe(true);
      const { value, version } = await store.getVersioned(k);
      expect(value).toBe('a');
      expect(await store.compareAndSet(k, version - 1, 'stale')).toBe(false);
      expect(await store.compareAndSet(k, version, 'b')).toBe(true);
      expect((await store.getVersioned(k)).value).toBe('b');
    });

    it('compareAndSet lets one of two racing writers win', async () => {
      const { store } = await make();
      const k = key();
      await store.compareAndSet(k, 0, 'start');
      const { version } = await store.getVersioned(k);
      const results = await Promise.all([store.compareAndSet(k, version, 'x'), store.compareAndSet(k, version, 'y')]);
      expect(results.filter(Boolean)).toHaveLength(1);
    });
  });
}

export type { ManualClock };
