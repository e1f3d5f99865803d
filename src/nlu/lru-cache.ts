// A small bounded cache with a time to live, for classifier answers keyed by normalised (already redacted)
// text: the same message asked twice costs one model call. Map order is recency order.
import type { Clock } from '../clock.js';

export class LruCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  /** `maxEntries` 0 turns the cache off. */
  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly clock: Clock,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= this.clock.now()) return undefined;
    // Re-inserted so it becomes the most recently used.
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V): void {
    if (this.maxEntries <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.clock.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}
