// The small set of atomic operations the services need from a store. The in-memory store here keeps the
// embedded default working; a Redis store implements the same contract for many instances.
import type { Clock } from '../clock.js';

/** The store could not be reached or could not serve the command right now; the turn should say "try later". */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

export interface KeyValueStore {
  get(key: string): Promise<string | null>;
  /** ttlMs undefined keeps the key until deleted. */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Sets only when absent; true when this call set it. */
  setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean>;
  del(key: string): Promise<void>;
  /** Deletes the key only while it holds `value`, in one atomic step (releasing a lock); true when it did. */
  deleteIfEquals(key: string, value: string): Promise<boolean>;
  /** Reads and deletes in one step, so two callers can never both get the value (single use). */
  take(key: string): Promise<string | null>;
  /** Increments a counter; the TTL is set when the counter is created and not extended. */
  incr(key: string, ttlMs?: number): Promise<number>;
  /** Compare-and-set on a version number stored beside the value; false when someone wrote first. */
  compareAndSet(key: string, expectedVersion: number, value: string, ttlMs?: number): Promise<boolean>;
  /** Returns the value with its version (0 when absent). */
  getVersioned(key: string): Promise<{ value: string | null; version: number }>;
  /** Adds a member to a sorted set, or moves it to the new score. Sorted sets have no TTL: members leave by zrem. */
  zadd(key: string, member: string, score: number): Promise<void>;
  zrem(key: string, member: string): Promise<void>;
  /** Removes the member only while its score is still `score`, in one atomic step; true when it did. */
  zremIfScore(key: string, member: string, score: number): Promise<boolean>;
  /**
   * Leases, lowest score first, up to `limit` members scored at most `maxScore`: moves each to `leaseScore` and
   * returns them, in one atomic step. Of several callers racing for the same members, each member goes to exactly
   * one of them; a member its holder never lets go of (the holder died) is due again once `leaseScore` comes.
   */
  claimDue(key: string, maxScore: number, limit: number, leaseScore: number): Promise<string[]>;
  /**
   * A sliding-window log in one atomic step: forgets members older than the longest window, then adds `member`
   * at `nowMs` only if, for every limit, fewer than `max` members are younger than `windowMs`. True when it
   * added it. A refused call leaves the log as it was, so what a limit holds back never counts against it.
   * The key lives as long as its longest window; `zrem` takes a member back out.
   */
  addWithinLimits(key: string, member: string, nowMs: number, limits: readonly WindowLimit[]): Promise<boolean>;
  /**
   * Uses up a single-use value under a limit of tries, in one atomic step: counts a try on `tries.key` (given
   * `tries.ttlMs` when the count is created, as `incr`); past `tries.max` deletes `key` and redeems nothing;
   * otherwise, only while `key` still holds `expected`, deletes it and writes `proof` (when given). Of several
   * callers racing for the same value, at most one redeems it, and only the one that did has written its proof.
   * On Redis every key given must carry the same hash tag (one Cluster slot).
   */
  redeem(key: string, expected: string, tries: TryLimit, proof: Proof | null): Promise<{ tries: number; redeemed: boolean }>;
  close(): Promise<void>;
}

/** The counter `redeem` counts a try on, and how many it allows. */
export interface TryLimit {
  key: string;
  ttlMs: number;
  max: number;
}

/** What `redeem` writes when, and only when, it used the value up. */
export interface Proof {
  key: string;
  value: string;
  ttlMs: number;
}

/** At most `max` members in any `windowMs` (a sliding window, not a fixed one). */
export interface WindowLimit {
  windowMs: number;
  max: number;
}

/** The checks both stores make on addWithinLimits' arguments; returns the longest window. */
export function longestWindow(nowMs: number, limits: readonly WindowLimit[]): number {
  if (!Number.isFinite(nowMs)) throw new RangeError(`now must be a finite number, got ${nowMs}`);
  if (limits.length === 0) throw new RangeError('at least one limit is needed');
  for (const { windowMs, max } of limits) {
    if (!(Number.isInteger(windowMs) && windowMs > 0 && Number.isInteger(max) && max >= 0)) {
      throw new RangeError(`a limit needs a positive whole windowMs and a whole max >= 0, got ${windowMs}/${max}`);
    }
  }
  return Math.max(...limits.map((l) => l.windowMs));
}

interface Entry {
  value: string;
  expiresAt: number | null;
  version: number;
}

export class MemoryStore implements KeyValueStore {
  private readonly entries = new Map<string, Entry>();
  private readonly sortedSets = new Map<string, Map<string, number>>();
  /** Expiry of the sorted sets addWithinLimits writes (the others have none). */
  private readonly sortedSetExpiry = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt !== null && entry.expiresAt <= this.clock.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private expiry(ttlMs?: number): number | null {
    return ttlMs === undefined ? null : this.clock.now() + ttlMs;
  }

  async get(key: string): Promise<string | null> {
    return this.live(key)?.value ?? null;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    const version = (this.live(key)?.version ?? 0) + 1;
    this.entries.set(key, { value, expiresAt: this.expiry(ttlMs), version });
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    if (this.live(key)) return false;
    this.entries.set(key, { value, expiresAt: this.expiry(ttlMs), version: 1 });
    return true;
  }

  async del(key: string): Promise<void> {
    this.entries.delete(key);
    this.sortedSets.delete(key);
    this.sortedSetExpiry.delete(key);
  }

  /** A sorted set, dropped first if its TTL (addWithinLimits) has run out. */
  private liveSet(key: string): Map<string, number> | undefined {
    const expiresAt = this.sortedSetExpiry.get(key);
    if (expiresAt !== undefined && expiresAt <= this.clock.now()) {
      this.sortedSets.delete(key);
      this.sortedSetExpiry.delete(key);
      return undefined;
    }
    return this.sortedSets.get(key);
  }

  async deleteIfEquals(key: string, value: string): Promise<boolean> {
    if (this.live(key)?.value !== value) return false;
    this.entries.delete(key);
    return true;
  }

  async take(key: string): Promise<string | null> {
    const entry = this.live(key);
    this.entries.delete(key);
    return entry?.value ?? null;
  }

  async incr(key: string, ttlMs?: number): Promise<number> {
    return this.increment(key, ttlMs);
  }

  /** incr without a pause in it, for operations that must be one step. */
  private increment(key: string, ttlMs?: number): number {
    const entry = this.live(key);
    if (!entry) {
      this.entries.set(key, { value: '1', expiresAt: this.expiry(ttlMs), version: 1 });
      return 1;
    }
    const next = Number(entry.value) + 1;
    entry.value = String(next);
    entry.version += 1;
    return next;
  }

  async compareAndSet(key: string, expectedVersion: number, value: string, ttlMs?: number): Promise<boolean> {
    const current = this.live(key)?.version ?? 0;
    if (current !== expectedVersion) return false;
    this.entries.set(key, { value, expiresAt: this.expiry(ttlMs), version: current + 1 });
    return true;
  }

  async getVersioned(key: string): Promise<{ value: string | null; version: number }> {
    const entry = this.live(key);
    return { value: entry?.value ?? null, version: entry?.version ?? 0 };
  }

  async zadd(key: string, member: string, score: number): Promise<void> {
    if (!Number.isFinite(score)) throw new RangeError(`score must be a finite number, got ${score}`);
    const set = this.sortedSets.get(key) ?? new Map<string, number>();
    set.set(member, score);
    this.sortedSets.set(key, set);
  }

  async zrem(key: string, member: string): Promise<void> {
    const set = this.liveSet(key);
    set?.delete(member);
    if (set?.size === 0) this.sortedSets.delete(key);
  }

  async addWithinLimits(key: string, member: string, nowMs: number, limits: readonly WindowLimit[]): Promise<boolean> {
    const ttl = longestWindow(nowMs, limits);
    const set = this.liveSet(key) ?? new Map<string, number>();
    for (const [m, at] of set) if (at <= nowMs - ttl) set.delete(m);
    // The same bounds as the Redis script: a member exactly windowMs old has left the window.
    const full = limits.some(({ windowMs, max }) => [...set.values()].filter((at) => at > nowMs - windowMs).length >= max);
    if (full) {
      if (set.size === 0) this.sortedSets.delete(key);
      return false;
    }
    set.set(member, nowMs);
    this.sortedSets.set(key, set);
    this.sortedSetExpiry.set(key, this.clock.now() + ttl);
    return true;
  }

  async redeem(key: string, expected: string, tries: TryLimit, proof: Proof | null): Promise<{ tries: number; redeemed: boolean }> {
    // No await in here: nothing can interleave, as nothing can with the Redis script.
    const count = this.increment(tries.key, tries.ttlMs);
    if (count > tries.max) {
      this.entries.delete(key);
      return { tries: count, redeemed: false };
    }
    if (this.live(key)?.value !== expected) return { tries: count, redeemed: false };
    this.entries.delete(key);
    if (proof) {
      const version = (this.live(proof.key)?.version ?? 0) + 1;
      this.entries.set(proof.key, { value: proof.value, expiresAt: this.expiry(proof.ttlMs), version });
    }
    return { tries: count, redeemed: true };
  }

  async zremIfScore(key: string, member: string, score: number): Promise<boolean> {
    if (this.liveSet(key)?.get(member) !== score) return false;
    await this.zrem(key, member);
    return true;
  }

  async claimDue(key: string, maxScore: number, limit: number, leaseScore: number): Promise<string[]> {
    if (!Number.isFinite(leaseScore)) throw new RangeError(`lease score must be a finite number, got ${leaseScore}`);
    const set = this.liveSet(key);
    if (!set) return [];
    // Redis orders equal scores by member, lexicographically; so does this.
    const due = [...set]
      .filter(([, score]) => score <= maxScore)
      .sort(([a, x], [b, y]) => x - y || (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, Math.max(0, limit))
      .map(([member]) => member);
    for (const member of due) set.set(member, leaseScore);
    return due;
  }

  /** For tests and the development outbox: how many live keys there are. */
  size(): number {
    return this.keys().length;
  }

  /** For tests: the live keys (values and sorted sets), as an operator would list them. */
  keys(): string[] {
    for (const key of [...this.entries.keys()]) this.live(key);
    for (const key of [...this.sortedSetExpiry.keys()]) this.liveSet(key);
    return [...this.entries.keys(), ...this.sortedSets.keys()];
  }

  async close(): Promise<void> {
    this.entries.clear();
    this.sortedSets.clear();
    this.sortedSetExpiry.clear();
  }
}
