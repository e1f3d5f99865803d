// "Didn't get the code?" after a quiet spell, without timers in the chart: a due time per conversation in
// one sorted set of the shared store, and a poller on every instance that claims what is due. A claim
// removes the member atomically, so each nudge goes out once however many instances poll.
import type { Clock } from '../clock.js';
import type { KeyValueStore } from '../stores/kv-store.js';

/**
 * One sorted set for every conversation (score = when the nudge is due, in ms since the epoch). It has no
 * TTL: members leave when claimed or cancelled, and every nudge is due minutes after it was scheduled.
 */
export const NUDGE_KEY = 'nudges:due';

export class NudgeScheduler {
  constructor(private readonly store: KeyValueStore) {}

  /** Schedules, or moves, the conversation's one nudge. */
  async schedule(conversationId: string, dueAt: number): Promise<void> {
    await this.store.zadd(NUDGE_KEY, conversationId, dueAt);
  }

  async cancel(conversationId: string): Promise<void> {
    await this.store.zrem(NUDGE_KEY, conversationId);
  }

  /** Takes up to `limit` conversations whose nudge is due at `now`; nobody else gets them. */
  claimDue(now: number, limit: number): Promise<string[]> {
    return this.store.claimDue(NUDGE_KEY, now, limit);
  }
}

export interface NudgePollerOptions {
  scheduler: NudgeScheduler;
  clock: Clock;
  intervalMs: number;
  /** Most nudges claimed by one poll; the rest wait for the next one (or another instance). */
  batchSize?: number;
  /** Tells one conversation its nudge. A claimed nudge is not retried: at most once, never twice. */
  deliver: (conversationId: string) => Promise<void>;
  /**
   * A delivery failed (the store, the lock or the channel), or polling failed (the store is down: told once,
   * not every interval, until a poll works again). Not told which conversation.
   */
  onError: (error: Error, during: 'claim' | 'deliver') => void;
}

export interface NudgePoller {
  /** Stops polling and waits for the poll in progress, if any. */
  stop(): Promise<void>;
}

/** Polls on an unref'd interval (it never keeps the process alive); one poll at a time. */
export function startNudgePoller(options: NudgePollerOptions): NudgePoller {
  const { scheduler, clock, intervalMs, deliver, onError } = options;
  const batchSize = options.batchSize ?? 50;
  let current: Promise<void> | null = null;
  let stopped = false;
  let failing = false;

  const poll = async (): Promise<void> => {
    let due: string[];
    try {
      due = await scheduler.claimDue(clock.now(), batchSize);
      failing = false;
    } catch (error) {
      if (!failing) onError(error as Error, 'claim');
      failing = true;
      return;
    }
    await Promise.all(due.map((conversationId) => deliver(conversationId).catch((error: Error) => onError(error, 'deliver'))));
  };

  const timer = setInterval(() => {
    if (current || stopped) return;
    current = poll().finally(() => {
      current = null;
    });
  }, intervalMs);
  timer.unref();

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await current;
    },
  };
}
