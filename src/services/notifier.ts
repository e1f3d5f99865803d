// Outgoing email and SMS. Providers implement Notifier; DeliveryQueue keeps sending off the reply path
// (with retries), so how long a send takes can never tell whether an account exists.
import { randomInt } from 'node:crypto';
import type { Clock } from '../clock.js';
import { DeliveryError } from './delivery-error.js';

export interface OutgoingMessage {
  channel: 'email' | 'sms';
  to: string;
  subject?: string;
  text: string;
  /** What kind of message, for the outbox and metrics; never the secret itself. */
  purpose: 'code' | 'reset_notice' | 'lockout_notice' | 'support_ticket';
}

export interface Notifier {
  send(message: OutgoingMessage): Promise<void>;
}

export interface OutboxEntry extends OutgoingMessage {
  id: number;
  sentAt: string;
}

/** The development outbox: keeps what would have been sent so a developer can read codes. */
export class DevOutbox implements Notifier {
  private readonly entries: OutboxEntry[] = [];
  private nextId = 1;
  private readonly listeners = new Set<(entry: OutboxEntry) => void>();

  constructor(
    private readonly clock: Clock,
    private readonly limit = 200,
  ) {}

  async send(message: OutgoingMessage): Promise<void> {
    const entry = { ...message, id: this.nextId++, sentAt: new Date(this.clock.now()).toISOString() };
    this.entries.push(entry);
    if (this.entries.length > this.limit) this.entries.shift();
    for (const listener of this.listeners) listener(entry);
  }

  list(): OutboxEntry[] {
    return [...this.entries].reverse();
  }

  /** Live updates for the outbox page; returns an unsubscribe function. */
  subscribe(listener: (entry: OutboxEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export interface DeliveryLogger {
  warn(obj: object, msg: string): void;
}

/**
 * What became of a message, for delivery-health.ts: `delivered` after any successful try, `failed` once no try
 * is left (with the last try's error). Awaited before the send counts as finished, so drain() covers them.
 */
export interface DeliveryOutcome {
  delivered?(message: OutgoingMessage): void | Promise<void>;
  failed?(message: OutgoingMessage, error: unknown): void | Promise<void>;
}

export interface DeliveryOptions {
  attempts: number;
  baseDelayMs: number;
  /** A send starts this long (plus up to as much again, at random) after it is queued; 0 = right after the turn. */
  startDelayMs?: number;
}

const DEFAULT_DELIVERY_OPTIONS = { attempts: 4, baseDelayMs: 500, startDelayMs: 5 };

/** Sends in the background with exponential back-off; failures are logged without the message text. */
export class DeliveryQueue {
  private pending = new Set<Promise<void>>();

  constructor(
    private readonly notifier: Notifier,
    private readonly logger: DeliveryLogger,
    private readonly options: DeliveryOptions = DEFAULT_DELIVERY_OPTIONS,
    private readonly outcome: DeliveryOutcome = {},
  ) {}

  enqueue(message: OutgoingMessage): void {
    // Only messages to real accounts are ever sent, so the work of sending must not land on the reply that caused
    // it (SECURITY.md 1): a timer fires only once the event loop has finished that turn, reply and all, while the
    // person is still reading; a little jitter keeps it off any fixed offset.
    const { startDelayMs } = { ...DEFAULT_DELIVERY_OPTIONS, ...this.options };
    const delay = startDelayMs > 0 ? startDelayMs + randomInt(startDelayMs) : 0;
    const job = new Promise<void>((resolve) => (delay > 0 ? setTimeout(resolve, delay) : setImmediate(resolve)))
      .then(() => this.deliver(message))
      .finally(() => this.pending.delete(job));
    this.pending.add(job);
  }

  private async deliver(message: OutgoingMessage): Promise<void> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.options.attempts; attempt++) {
      try {
        await this.notifier.send(message);
        await this.report(() => this.outcome.delivered?.(message));
        return;
      } catch (error) {
        lastError = error;
        this.logger.warn(
          { channel: message.channel, purpose: message.purpose, attempt, err: (error as Error).message },
          'delivery failed',
        );
        // The same message to an address the provider refused cannot get through later; trying again only
        // hurts the sender's reputation.
        if (error instanceof DeliveryError && error.details.permanent && error.details.recipient) break;
        if (attempt < this.options.attempts) {
          await new Promise((r) => setTimeout(r, this.options.baseDelayMs * 2 ** (attempt - 1)));
        }
      }
    }
    await this.report(() => this.outcome.failed?.(message, lastError));
  }

  /** An outcome listener that fails (the store is down) must not turn a delivered message into a failed one. */
  private async report(listener: () => void | Promise<void>): Promise<void> {
    try {
      await listener();
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'delivery outcome not recorded');
    }
  }

  /** Waits for every send in flight: for graceful shutdown and tests. */
  async drain(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }
}

export type { Clock };
