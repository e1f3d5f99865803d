// The cache of model answers: bounded, least recently used out first, entries gone after their time.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { LruCache } from '../../src/nlu/lru-cache.js';

describe('LruCache', () => {
  it('returns what was stored until it expires', () => {
    const clock = new ManualClock();
    const cache = new LruCache<number>(10, 1000, clock);
    cache.set('a', 1);
    clock.advance(999);
    expect(cache.get('a')).toBe(1);
    clock.advance(1);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('drops the least recently used entry beyond its size', () => {
    const cache = new LruCache<string>(2, 60_000, new ManualClock());
    cache.set('a', 'A');
    cache.set('b', 'B');
    expect(cache.get('a')).toBe('A'); // a is now the most recent
    cache.set('c', 'C');
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe('A');
    expect(cache.get('c')).toBe('C');
    expect(cache.size).toBe(2);
  });

  it('stores nothing when its size is 0', () => {
    const cache = new LruCache<number>(0, 60_000, new ManualClock());
    cache.set('a', 1);
    expect(cache.get('a')).toBeUndefined();
  });
});
