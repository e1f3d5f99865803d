// The turn lock's two shortcuts: the record read that rides with the first try for the lock, trusted only when
// that try won; and the release sent right behind the turn's last write, done once whatever happens after.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { ConversationLocks } from '../../src/conversation/conversation-lock.js';
import { MemoryStore } from '../../src/stores/kv-store.js';

const LOCK = 'turn-lock:{c1}';

function setup() {
  const store = new MemoryStore(new ManualClock(Date.now()));
  return { store, locks: new ConversationLocks(store, { ttlMs: 30_000, waitMs: 2_000 }) };
}

describe('ConversationLocks', () => {
  it('hands work what was read with the lock when the lock was free at once', async () => {
    const { locks } = setup();
    let reads = 0;
    const got = await locks.run('c1', async (prefetched) => prefetched, async () => `read ${++reads}`);
    expect(got).toBe('read 1');
    expect(reads).toBe(1);
  });

  it('hands work nothing when it had to wait: what was read then may be older than the lock', async () => {
    const { store, locks } = setup();
    await store.setIfAbsent(LOCK, 'another instance', 30_000);
    setTimeout(() => void store.deleteIfEquals(LOCK, 'another instance'), 30);
    const got = await locks.run('c1', async (prefetched) => prefetched ?? 'read under the lock', async () => 'read early');
    expect(got).toBe('read under the lock');
    expect(await store.get(LOCK)).toBeNull();
  });

  it('lets a failed early read pass unnoticed when the lock was not free, and reports it when it was', async () => {
    const { store, locks } = setup();
    await store.setIfAbsent(LOCK, 'another instance', 30_000);
    setTimeout(() => void store.deleteIfEquals(LOCK, 'another instance'), 30);
    const failing = () => Promise.reject(new Error('store away'));
    await expect(locks.run('c1', async (prefetched) => prefetched ?? 'fine', failing)).resolves.toBe('fine');
    await expect(locks.run('c1', async (prefetched) => prefetched, failing)).rejects.toThrow('store away');
    expect(await store.get(LOCK), 'released after the failure too').toBeNull();
  });

  it('releases when work asks, once: a lock taken by someone else afterwards is left alone', async () => {
    const { store, locks } = setup();
    await locks.run('c1', async (_, release) => {
      await release();
      expect(await store.get(LOCK), 'free before work ended').toBeNull();
      // Another instance takes it at once; this run's end must not release theirs.
      expect(await store.setIfAbsent(LOCK, 'next turn', 30_000)).toBe(true);
      await release();
    });
    expect(await store.get(LOCK)).toBe('next turn');
  });

  it('releases when work throws without having asked', async () => {
    const { store, locks } = setup();
    await expect(
      locks.run('c1', async () => {
        throw new Error('turn failed');
      }),
    ).rejects.toThrow('turn failed');
    expect(await store.get(LOCK)).toBeNull();
  });
});
