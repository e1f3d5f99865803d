// Serialises the turns of one conversation across every instance that shares the store, so two
// messages arriving at once on two instances are applied one after the other, never interleaved.
import { randomUUID } from 'node:crypto';
import type { KeyValueStore } from '../stores/kv-store.js';

export class ConversationBusyError extends Error {
  constructor(conversationId: string) {
    super(`conversation ${conversationId} stayed busy too long`);
    this.name = 'ConversationBusyError';
  }
}

export interface LockOptions {
  /** Longest a turn may hold the lock; past it another instance may take over (a crashed holder). */
  ttlMs: number;
  /** Longest a turn waits for the lock before giving up. */
  waitMs: number;
}

export class ConversationLocks {
  constructor(
    private readonly store: KeyValueStore,
    private readonly options: LockOptions = { ttlMs: 30_000, waitMs: 20_000 },
  ) {}

  /**
   * Runs `work` holding the conversation's lock. `prefetch` (reading the conversation, say) goes out right behind
   * the first try for the lock, in the same round trip to Redis, which runs it after the lock is taken; `work` gets
   * its result when that first try won, and undefined (read it yourself) when the lock had to be waited for.
   * `work` may call `release` right behind its last write, which the store then runs before the release, in the
   * same round trip; otherwise the lock is released when `work` ends. Either way it is released once.
   * Both shortcuts rely on the store sending commands in call order on one connection (MemoryStore runs them in
   * call order; RedisStore has one client). Were that ever not so, a read from before the lock or a release
   * before the write would make the record's compare-and-set fail (ConversationConflictError), never lose a write.
   */
  async run<T, P = never>(
    conversationId: string,
    work: (prefetched: P | undefined, release: () => Promise<void>) => Promise<T>,
    prefetch?: () => Promise<P>,
  ): Promise<T> {
    const key = `turn-lock:{${conversationId}}`;
    const token = randomUUID();
    const deadline = Date.now() + this.options.waitMs;
    const firstTry = this.store.setIfAbsent(key, token, this.options.ttlMs);
    const early = prefetch?.();
    // Read only when the first try wins; otherwise its failure is nobody's business.
    early?.catch(() => undefined);
    const wonAtOnce = await firstTry;
    for (let delay = 2, won = wonAtOnce; !won; delay = Math.min(delay * 2, 50)) {
      if (Date.now() > deadline) throw new ConversationBusyError(conversationId);
      await new Promise((resolve) => setTimeout(resolve, delay));
      won = await this.store.setIfAbsent(key, token, this.options.ttlMs);
    }
    // Release only our own lock: if it expired and someone else holds it now, leave theirs alone.
    let released: Promise<void> | undefined;
    const release = () => {
      if (!released) {
        released = this.store.deleteIfEquals(key, token).then(() => undefined);
        // Awaited below; until then a failure must not count as unhandled while `work` awaits something else.
        released.catch(() => undefined);
      }
      return released;
    };
    try {
      return await work(wonAtOnce ? await early : undefined, release);
    } finally {
      await release();
    }
  }
}
