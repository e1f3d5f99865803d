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

  async run<T>(conversationId: string, work: () => Promise<T>): Promise<T> {
    const key = `turn-lock:{${conversationId}}`;
    const token = randomUUID();
    const deadline = Date.now() + this.options.waitMs;
    for (let delay = 2; !(await this.store.setIfAbsent(key, token, this.options.ttlMs)); delay = Math.min(delay * 2, 50)) {
      if (Date.now() > deadline) throw new ConversationBusyError(conversationId);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
    try {
      return await work();
    } finally {
      // Release only our own lock: if it expired and someone else holds it now, leave theirs alone.
      await this.store.deleteIfEquals(key, token);
    }
  }
}
