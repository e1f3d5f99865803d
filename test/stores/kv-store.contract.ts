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

    it('set without a TTL clears the TTL an earlier set gave the key', async () => {
      const { store, elapse } = await make();
      const k = key();
      await store.set(k, 'short-lived', 50);
      await store.set(k, 'kept');
      await elapse(120);
      expect(await store.get(k)).toBe('kept');
    });

    it('deleteIfEquals deletes only while the key holds the given value', async () => {
      const { store } = await make();
      const k = key();
      await store.set(k, 'mine', 10_000);
      expect(await store.deleteIfEquals(k, 'theirs')).toBe(false);
      expect(await store.get(k)).toBe('mine');
      expect(await store.deleteIfEquals(k, 'mine')).toBe(true);
      expect(await store.get(k)).toBeNull();
      expect(await store.deleteIfEquals(k, 'mine')).toBe(false);
    });

    it('take on a missing key returns null', async () => {
      const { store } = await make();
      expect(await store.take(key())).toBeNull();
    });

    it('setIfAbsent succeeds again once the earlier value has expired', async () => {
      const { store, elapse } = await make();
      const k = key();
      expect(await store.setIfAbsent(k, 'first', 50)).toBe(true);
      expect(await store.setIfAbsent(k, 'second', 50)).toBe(false);
      await elapse(120);
      expect(await store.setIfAbsent(k, 'third', 10_000)).toBe(true);
      expect(await store.get(k)).toBe('third');
    });

    it('incr without a TTL never expires', async () => {
      const { store, elapse } = await make();
      const k = key();
      await store.incr(k);
      await elapse(150);
      expect(await store.incr(k)).toBe(2);
    });

    it('an expired versioned key reads as version 0 and accepts a write expecting 0', async () => {
      const { store, elapse } = await make();
      const k = key();
      expect(await store.compareAndSet(k, 0, 'a', 50)).toBe(true);
      expect(await store.compareAndSet(k, 1, 'b', 50)).toBe(true);
      expect((await store.getVersioned(k)).version).toBe(2);
      await elapse(120);
      expect(await store.getVersioned(k)).toEqual({ value: null, version: 0 });
      expect(await store.compareAndSet(k, 2, 'stale')).toBe(false);
      expect(await store.compareAndSet(k, 0, 'fresh')).toBe(true);
    });

    it('claimDue leases due members lowest score first, up to the limit, until the lease ends', async () => {
      const { store } = await make();
      const k = key();
      await store.zadd(k, 'late', 300);
      await store.zadd(k, 'b', 100);
      await store.zadd(k, 'a', 100);
      await store.zadd(k, 'first', 50);
      expect(await store.claimDue(k, 99, 10, 1_000)).toEqual(['first']);
      expect(await store.claimDue(k, 200, 1, 1_000)).toEqual(['a']);
      expect(await store.claimDue(k, 200, 10, 1_000)).toEqual(['b']);
      expect(await store.claimDue(k, 200, 10, 1_000)).toEqual([]);
      expect(await store.claimDue(k, 300, 10, 1_000)).toEqual(['late']);
      expect(await store.claimDue(k, 999, 10, 2_000), 'every member is leased until 1000').toEqual([]);
      expect(await store.claimDue(k, 1_000, 10, 2_000), 'leases over: due again, equal scores by member').toEqual(['a', 'b', 'first', 'late']);
      expect(await store.claimDue(key(), 1e15, 10, 1e15 + 1), 'a missing set has nothing due').toEqual([]);
    });

    it('zremIfScore lets go of a lease only while nobody moved the member since', async () => {
      const { store } = await make();
      const k = key();
      // Scores as the nudges use them: milliseconds since the epoch.
      const due = 1_795_707_247_882;
      const lease = due + 60_000;
      await store.zadd(k, 'handled', due);
      await store.zadd(k, 'rescheduled', due);
      expect(await store.claimDue(k, due, 10, lease)).toEqual(['handled', 'rescheduled']);
      await store.zadd(k, 'rescheduled', due + 120_000);
      expect(await store.zremIfScore(k, 'handled', lease)).toBe(true);
      expect(await store.zremIfScore(k, 'handled', lease), 'already gone').toBe(false);
      expect(await store.zremIfScore(k, 'rescheduled', lease), 'moved while leased').toBe(false);
      expect(await store.zremIfScore(k, 'never-added', lease)).toBe(false);
      expect(await store.claimDue(k, lease + 120_000, 10, lease + 180_000)).toEqual(['rescheduled']);
    });

    it('zadd moves a member to its new score, zrem takes it out', async () => {
      const { store } = await make();
      const k = key();
      await store.zadd(k, 'moved', 100);
      await store.zadd(k, 'moved', 500);
      await store.zadd(k, 'removed', 100);
      await store.zrem(k, 'removed');
      await store.zrem(k, 'never-added');
      expect(await store.claimDue(k, 400, 10, 1_000)).toEqual([]);
      expect(await store.claimDue(k, 500, 10, 1_000)).toEqual(['moved']);
    });

    it('claimDue gives each member to exactly one of many concurrent claimers', async () => {
      const { store } = await make();
      const k = key();
      const members = Array.from({ length: 40 }, (_, i) => `m${i}`);
      await Promise.all(members.map((m, i) => store.zadd(k, m, i)));
      const claims = await Promise.all(Array.from({ length: 12 }, () => store.claimDue(k, 1_000, 5, 2_000)));
      const claimed = claims.flat();
      expect(claimed).toHaveLength(members.length);
      expect(new Set(claimed)).toEqual(new Set(members));
    });

    it('del removes a sorted set too', async () => {
      const { store } = await make();
      const k = key();
      await store.zadd(k, 'm', 1);
      await store.del(k);
      expect(await store.claimDue(k, 10, 10, 20)).toEqual([]);
    });

    it('addWithinLimits keeps a sliding window: refusals write nothing, and members leave one by one', async () => {
      const { store } = await make();
      const k = key();
      const limits = [
        { windowMs: 1_000, max: 2 },
        { windowMs: 10_000, max: 3 },
      ];
      const t = 1_000_000;
      expect(await store.addWithinLimits(k, 'a', t, limits)).toBe(true);
      expect(await store.addWithinLimits(k, 'b', t + 500, limits)).toBe(true);
      // Twenty refused tries in the short window take no room from the long one.
      for (let i = 0; i < 20; i++) expect(await store.addWithinLimits(k, `held-${i}`, t + 600, limits)).toBe(false);
      // At t+1000 'a' is exactly one window old: it has left the short window, 'b' has not (a fixed window would reopen fully).
      expect(await store.addWithinLimits(k, 'c', t + 1_000, limits)).toBe(true);
      expect(await store.addWithinLimits(k, 'd', t + 1_001, limits), 'b and c are still in the short window').toBe(false);
      expect(await store.addWithinLimits(k, 'e', t + 2_500, limits), 'three in the long window').toBe(false);
      await store.zrem(k, 'c');
      expect(await store.addWithinLimits(k, 'f', t + 2_500, limits), 'a member taken back frees its room').toBe(true);
      expect(await store.addWithinLimits(k, 'g', t + 10_000, limits), 'a has left the long window, b and f have not').toBe(true);
      expect(await store.addWithinLimits(k, 'h', t + 10_001, limits)).toBe(false);
    });

    it('addWithinLimits gives the last room in a window to exactly one of many concurrent callers', async () => {
      const { store } = await make();
      const k = key();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.addWithinLimits(k, `m${i}`, 5_000, [{ windowMs: 60_000, max: 3 }])),
      );
      expect(results.filter(Boolean)).toHaveLength(3);
    });

    it('redeem uses a value up once, writes its proof only then, and counts every try', async () => {
      const { store } = await make();
      // One hash tag for the three keys, as Redis Cluster needs.
      const tag = `{${key()}}`;
      const [k, tries, proof] = [`code:${tag}`, `tries:${tag}`, `proof:${tag}`];
      const limit = { key: tries, ttlMs: 10_000, max: 3 };
      await store.set(k, 'v1');
      expect(await store.redeem(k, 'stale', limit, { key: proof, value: 'p', ttlMs: 10_000 }), 'not the value read').toEqual({ tries: 1, redeemed: false });
      expect(await store.get(k), 'a refusal keeps the value').toBe('v1');
      expect(await store.get(proof)).toBeNull();
      expect(await store.redeem(k, 'v1', limit, { key: proof, value: 'p', ttlMs: 10_000 })).toEqual({ tries: 2, redeemed: true });
      expect(await store.get(k)).toBeNull();
      expect(await store.get(proof)).toBe('p');
      expect(await store.redeem(k, 'v1', limit, { key: proof, value: 'q', ttlMs: 10_000 }), 'used up').toEqual({ tries: 3, redeemed: false });
      expect(await store.get(proof)).toBe('p');
      // Past the limit the value goes, right or not, and nothing is redeemed.
      await store.set(k, 'v2');
      expect(await store.redeem(k, 'v2', limit, null)).toEqual({ tries: 4, redeemed: false });
      expect(await store.get(k)).toBeNull();
    });

    it('redeem without a proof only uses the value up', async () => {
      const { store } = await make();
      const tag = `{${key()}}`;
      await store.set(`code:${tag}`, 'v');
      expect(await store.redeem(`code:${tag}`, 'v', { key: `tries:${tag}`, ttlMs: 10_000, max: 5 }, null)).toEqual({ tries: 1, redeemed: true });
      expect(await store.get(`code:${tag}`)).toBeNull();
    });

    it('redeem gives a value to exactly one of many concurrent callers, and only its proof is written', async () => {
      const { store } = await make();
      const tag = `{${key()}}`;
      await store.set(`code:${tag}`, 'v');
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.redeem(`code:${tag}`, 'v', { key: `tries:${tag}`, ttlMs: 10_000, max: 100 }, { key: `proof:${tag}`, value: `p${i}`, ttlMs: 10_000 }),
        ),
      );
      const winners = results.flatMap((r, i) => (r.redeemed ? [i] : []));
      expect(winners).toHaveLength(1);
      expect(await store.get(`proof:${tag}`)).toBe(`p${winners[0]}`);
      expect(results.map((r) => r.tries).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    });

    it('redeem gives the counter and the proof their TTLs', async () => {
      const { store, elapse } = await make();
      const tag = `{${key()}}`;
      await store.set(`code:${tag}`, 'v');
      await store.redeem(`code:${tag}`, 'v', { key: `tries:${tag}`, ttlMs: 80, max: 5 }, { key: `proof:${tag}`, value: 'p', ttlMs: 80 });
      await elapse(150);
      expect(await store.get(`proof:${tag}`)).toBeNull();
      expect(await store.redeem(`code:${tag}`, 'v', { key: `tries:${tag}`, ttlMs: 80, max: 5 }, null), 'the count started again').toEqual({ tries: 1, redeemed: false });
    });

    it('addWithinLimits keys expire with their longest window', async () => {
      const { store, elapse } = await make();
      const k = key();
      const now = Date.now();
      expect(await store.addWithinLimits(k, 'a', now, [{ windowMs: 80, max: 1 }])).toBe(true);
      expect(await store.addWithinLimits(k, 'b', now, [{ windowMs: 80, max: 1 }])).toBe(false);
      await elapse(150);
      // Gone by its TTL: a member scored in the future would otherwise still fill the window.
      expect(await store.addWithinLimits(k, 'c', now, [{ windowMs: 80, max: 1 }])).toBe(true);
      await expect(store.addWithinLimits(k, 'x', now, [])).rejects.toThrow(RangeError);
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
