// Forwards the account-security events of the audit trail (securityEventTypes) to the company's directory
// (POST /accounts/{id}/events), so they land in its own security log. The audit log hands each entry over
// synchronously inside a turn; this only queues it. Sending, retrying and back-off happen afterwards, so a
// slow or broken directory never holds up a reply, and a reply never tells whether anything was sent.
import type { AccountDirectory } from './account-directory.js';
import type { AuditSink, TimedAuditEntry } from './audit-log.js';
import { DirectoryError, securityEventSchema, securityEventTypes, type SecurityEvent } from './http-directory.js';

export interface SecurityEventLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** How an event left the queue: taken by the directory, dropped from a full queue, or not taken (4xx, 404). */
export const securityEventOutcomes = ['sent', 'dropped', 'refused'] as const;
export type SecurityEventOutcome = (typeof securityEventOutcomes)[number];

export interface SecurityEventOptions {
  /** Events waiting while the directory is down; past it the oldest are dropped (and counted in the log). */
  maxQueued: number;
  /** Requests at once, never two for the same account (its events arrive in order). */
  concurrency: number;
  /** Back-off after a timeout or 5xx, doubled per failure in a row, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** After a 404/501 ("no events endpoint") nothing is sent for this long; then one event asks again. */
  recheckAfterMs: number;
  /** How long close() keeps trying to send what is queued. */
  closeWaitMs: number;
  /**
   * How long a new event waits before the queue is worked. The work (the demo directory's, or building a
   * request) happens for accounts only, so it must not land inside the turn that audited it: tens of turns
   * later it falls on none in particular (SECURITY.md 1).
   */
  settleMs: number;
  /** Told of every event's outcome as it happens (the app's metrics); never of its account or content. */
  onOutcome?: (outcome: SecurityEventOutcome) => void;
}

export const defaultSecurityEventOptions: SecurityEventOptions = {
  maxQueued: 1000,
  concurrency: 4,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  recheckAfterMs: 3600_000,
  closeWaitMs: 2_000,
  settleMs: 50,
};

const forDirectory: ReadonlySet<string> = new Set(securityEventTypes);
const MAX_REFERENCE = 128;
const MAX_CHANNEL = 32;
/** From a directory that has taken events, this many "not taken" answers in a row mean the endpoint is gone. */
const NOT_TAKEN_IN_A_ROW = 3;

interface Pending {
  accountId: string;
  event: SecurityEvent;
  attempts: number;
}

/** Timeouts and 408/429/5xx (DirectoryError 'timeout' | 'unavailable') may pass; any other answer will not. */
const worthRetrying = (error: unknown) => error instanceof DirectoryError && (error.kind === 'timeout' || error.kind === 'unavailable');
/** DirectoryError messages never hold a secret or an address (http-directory.ts); anything else: its name only. */
const describe = (error: unknown) => (error instanceof DirectoryError ? error.message : error instanceof Error ? error.name : 'unknown error');

export class SecurityEventForwarder implements AuditSink {
  private readonly options: SecurityEventOptions;
  private readonly queue: Pending[] = [];
  /** Accounts with a request in flight: their next event waits, so the directory sees them in order. */
  private readonly busy = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private wake: NodeJS.Timeout | null = null;
  /** Retryable failures in a row; the back-off grows with it and a success resets it. */
  private failuresInRow = 0;
  private resumeAt = 0;
  /** Until the directory has taken one event, one request at a time: a 404 then costs a single request. */
  private confirmed = false;
  private notOfferedUntil = 0;
  /** "Not taken" answers in a row from a directory that took events before (see send). */
  private refusalsInRow = 0;
  private droppedUnlogged = 0;
  private closed = false;
  readonly counts: Record<SecurityEventOutcome, number> = { sent: 0, dropped: 0, refused: 0 };

  constructor(
    private readonly directory: AccountDirectory,
    private readonly logger: SecurityEventLogger,
    /** Wall time: back-off and the recheck of a missing endpoint are real time, not the conversations' clock. */
    private readonly now: () => number = Date.now,
    options: Partial<SecurityEventOptions> = {},
  ) {
    this.options = { ...defaultSecurityEventOptions, ...options };
  }

  /** Events waiting to be sent (not counting those in flight). */
  get queued(): number {
    return this.queue.length;
  }

  /** As an audit sink: called inside the turn, so it only queues and never throws. */
  write(line: string, entry?: TimedAuditEntry): void {
    try {
      this.accept(entry ?? (JSON.parse(line) as TimedAuditEntry));
    } catch (error) {
      this.logger.warn({ err: describe(error) }, 'security event not queued');
    }
  }

  private accept(entry: TimedAuditEntry): void {
    if (this.closed || !this.directory.recordEvent || !forDirectory.has(entry.event) || this.now() < this.notOfferedUntil) return;
    // This runs inside the turn, so an identifier that matched an account and one that did not get the same
    // work up to the last step (SECURITY.md 1: the reply's time must not tell them apart).
    const candidate = {
      type: entry.event,
      at: entry.time,
      outcome: entry.outcome,
      ...(entry.channel && entry.channel.length <= MAX_CHANNEL ? { channel: entry.channel } : {}),
      // A channel's conversation id longer than the contract allows is left out rather than cut: a cut one
      // would match nothing in Clave's trail.
      ...(entry.conversationId && entry.conversationId.length <= MAX_REFERENCE ? { reference: entry.conversationId } : {}),
    };
    const parsed = securityEventSchema.safeParse(candidate);
    // The queue is woken either way; an empty one costs a timer that finds nothing to do.
    const accountId = typeof entry.accountId === 'string' && entry.accountId !== '' ? entry.accountId : null;
    this.schedule(accountId === null);
    // An unknown identifier has no account to record on (and sending nothing for it is what keeps it unknown).
    if (accountId === null) return;
    if (!parsed.success) {
      const fields = parsed.error.issues.map((issue) => issue.path.join('.')).join(', ');
      this.logger.warn({ type: entry.event, fields }, 'security event does not fit the directory contract; not sent');
      return;
    }
    while (this.queue.length >= this.options.maxQueued) {
      this.queue.shift();
      this.noteDropped();
    }
    this.queue.push({ accountId, event: parsed.data, attempts: 0 });
    this.schedule();
  }

  private tally(outcome: SecurityEventOutcome): void {
    this.counts[outcome]++;
    this.options.onOutcome?.(outcome);
  }

  private noteDropped(): void {
    this.tally('dropped');
    // The first drop of an outage is logged at once, the total when the directory is back (or at shutdown).
    if (this.droppedUnlogged++ === 0) {
      this.logger.warn({ maxQueued: this.options.maxQueued }, 'security event queue full (directory unreachable); dropping the oldest');
    }
  }

  private logDropped(): void {
    if (this.droppedUnlogged === 0) return;
    this.logger.warn({ dropped: this.droppedUnlogged }, 'security events dropped while the directory was unreachable');
    this.droppedUnlogged = 0;
  }

  private schedule(evenIfEmpty = false): void {
    if (this.wake || this.closed || (this.queue.length === 0 && !evenIfEmpty)) return;
    this.wake = setTimeout(() => {
      this.wake = null;
      this.pump();
    }, Math.max(this.options.settleMs, this.resumeAt - this.now()));
    // A back-off alone does not keep a process alive; close() drains with timers of its own.
    this.wake.unref();
  }

  private pump(): void {
    const limit = this.confirmed ? this.options.concurrency : 1;
    while (this.inFlight.size < limit && this.now() >= this.resumeAt) {
      const index = this.queue.findIndex((pending) => !this.busy.has(pending.accountId));
      if (index < 0) break;
      const [pending] = this.queue.splice(index, 1) as [Pending];
      this.busy.add(pending.accountId);
      const job: Promise<void> = this.send(pending).finally(() => {
        this.busy.delete(pending.accountId);
        this.inFlight.delete(job);
        this.pump();
      });
      this.inFlight.add(job);
    }
    if (this.inFlight.size === 0) this.schedule();
  }

  private async send(pending: Pending): Promise<void> {
    pending.attempts++;
    try {
      const taken = await this.directory.recordEvent!(pending.accountId, pending.event);
      if (!taken) {
        // A 404 cannot tell "no such endpoint" from "no such account". From a directory that has taken events,
        // it is most likely an account deleted since the lookup: that event goes, the others keep going,
        // unless it happens again and again.
        if (this.confirmed && ++this.refusalsInRow < NOT_TAKEN_IN_A_ROW) {
          this.tally('refused');
          this.logger.warn({ type: pending.event.type }, 'the directory did not take a security event (404); not retried');
          return;
        }
        return this.notOffered();
      }
      this.tally('sent');
      this.confirmed = true;
      this.refusalsInRow = 0;
      this.failuresInRow = 0;
      this.resumeAt = 0;
      this.logDropped();
    } catch (error) {
      const log = { type: pending.event.type, attempt: pending.attempts, err: describe(error) };
      if (!worthRetrying(error)) {
        // A 4xx (or an answer outside the contract) would come back the same every time.
        this.tally('refused');
        this.logger.warn(log, 'the directory refused a security event; not retried');
        return;
      }
      this.failuresInRow++;
      const delay = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** (this.failuresInRow - 1));
      this.resumeAt = Math.max(this.resumeAt, this.now() + delay);
      // Back at the front, ahead of the account's later events. The whole queue waits: a directory that
      // times out for one account is most likely down for all of them.
      this.queue.unshift(pending);
      this.logger.warn({ ...log, retryInMs: delay }, 'security event not delivered; will retry');
    }
  }

  private notOffered(): void {
    const already = this.now() < this.notOfferedUntil;
    this.notOfferedUntil = this.now() + this.options.recheckAfterMs;
    this.confirmed = false;
    this.refusalsInRow = 0;
    const discarded = this.queue.length;
    this.queue.length = 0;
    if (!already) {
      this.logger.info(
        { discarded, recheckInMs: this.options.recheckAfterMs },
        'the directory does not take security events (404/501 on /accounts/{id}/events); not sending them',
      );
    }
  }

  /** Waits until everything queued has been sent or given up on (tests; close() bounds it). */
  async drain(timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    const deadline = this.now() + timeoutMs;
    while (this.queue.length > 0 || this.inFlight.size > 0) {
      const left = deadline - this.now();
      if (left <= 0) return false;
      this.pump();
      let timer: NodeJS.Timeout | undefined;
      // Nothing in flight: a back-off is running; sleep to its end (or the deadline) and try again.
      const wait = this.inFlight.size > 0 ? left : Math.min(left, Math.max(1, this.resumeAt - this.now()));
      const sleep = new Promise<void>((resolve) => (timer = setTimeout(resolve, wait)));
      await Promise.race(this.inFlight.size > 0 ? [sleep, Promise.allSettled([...this.inFlight])] : [sleep]);
      clearTimeout(timer);
    }
    return true;
  }

  /** Graceful shutdown: sends what it can within closeWaitMs, then logs how many events were left. */
  async close(): Promise<void> {
    const done = await this.drain(this.options.closeWaitMs);
    this.closed = true;
    if (this.wake) clearTimeout(this.wake);
    this.wake = null;
    this.logDropped();
    if (!done) this.logger.warn({ notSent: this.queue.length + this.inFlight.size }, 'security events not delivered before shutdown');
  }
}
