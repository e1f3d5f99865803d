// "Didn't get the code?" after a quiet spell, without timers in the chart: a due time per conversation in
// one sorted set of the shared store, and a poller on every instance that claims what is due. A claim leases
// the member atomically (moves it a lease ahead), so one instance has it however many poll; the holder lets
// go once the nudge is handled, and an instance that dies holding one leaves it due again when the lease ends.
import type { Clock } from '../clock.js';
import type { KeyValueStore } from '../stores/kv-store.js';

/**
 * One sorted set for every conversation (score = when the nudge is due, or its lease ends, in ms since the
 * epoch). It has no TTL: members leave when handled or cancelled, and every nudge is due minutes after it was
 * scheduled.
 */
export const NUDGE_KEY = 'nudges:due';

/**
 * How long a claimed nudge is its instance's alone. Handling one takes the conversation's lock (a turn lasts
 * seconds at most) and one message to the channel; a holder still busy after this may see it sent twice.
 */
export const NUDGE_LEASE_MS = 60_000;

/** Claimed nudges: the conversations, and the lease they hold (what letting go of one checks). */
export interface NudgeClaim {
  conversationIds: string[];
  leaseScore: number;
}

export class NudgeScheduler {
  constructor(private readonly store: KeyValueStore) {}

  /** Schedules, or moves, the conversation's one nudge. */
  async schedule(conversationId: string, dueAt: number): Promise<void> {
    await this.store.zadd(NUDGE_KEY, conversationId, dueAt);
  }

  async cancel(conversationId: string): Promise<void> {
    await this.store.zrem(NUDGE_KEY, conversationId);
  }

  /** Takes up to `limit` conversations whose nudge is due at `now`; nobody else gets them for `leaseMs`. */
  async claimDue(now: number, limit: number, leaseMs: number = NUDGE_LEASE_MS): Promise<NudgeClaim> {
    const leaseScore = now + leaseMs;
    return { conversationIds: await this.store.claimDue(NUDGE_KEY, now, limit, leaseScore), leaseScore };
  }

  /**
   * Lets go of a handled nudge: removes it only if it still holds this lease. A turn in the meantime that
   * rescheduled it (the person wrote) or cancelled it (the journey moved on) has already decided for it.
   */
  async release(conversationId: string, leaseScore: number): Promise<void> {
    await this.store.zremIfScore(NUDGE_KEY, conversationId, leaseScore);
  }
}

export interface NudgePollerOptions {
  scheduler: NudgeScheduler;
  clock: Clock;
  intervalMs: number;
  /** Most nudges claimed by one poll; the rest wait for the next one (or another instance). */
  batchSize?: number;
  /**
   * Tells one conversation its nudge. A delivery that fails is not tried again (it is reported); one whose
   * instance dies before it ends is, by another instance once the lease runs out.
   */
  deliver: (conversationId: string) => Promise<void>;
  /** How long a claim is this instance's alone (default NUDGE_LEASE_MS). */
  leaseMs?: number;
  /**
   * A delivery failed (the store, the lock or the channel), letting go of a nudge failed, or polling failed
   * (the store is down: told once, not every interval, until a poll works again). Not told which conversation.
   */
  onError: (error: Error, during: 'claim' | 'deliver' | 'release') => void;
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
    let claim: NudgeClaim;
    try {
      claim = await scheduler.claimDue(clock.now(), batchSize, options.leaseMs);
      failing = false;
    } catch (error) {
      if (!failing) onError(error as Error, 'claim');
      failing = true;
      return;
    }
    const handle = async (conversationId: string) => {
      await deliver(conversationId).catch((error: Error) => onError(error, 'deliver'));
      await scheduler.release(conversationId, claim.leaseScore).catch((error: Error) => onError(error, 'release'));
    };
    await Promise.all(claim.conversationIds.map(handle));
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
