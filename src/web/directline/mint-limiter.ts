// How many Direct Line tokens (each one a new conversation) one client may mint: a token bucket per client
// address, so a page that makes one token per visit never notices, and a script cannot churn the activity log
// and push live conversations out of it. In-process on purpose: the activity log it protects is in-process
// too, so each instance guards its own log (with N instances a client gets N times the limit in total).
import type { Clock } from '../../clock.js';

export interface MintLimiterOptions {
  /** Tokens a client may mint per minute (also the burst: a full bucket). */
  perMinute: number;
  clock: Clock;
  /**
   * Most clients remembered. Past it the least recently seen is forgotten: its bucket has usually refilled
   * anyway, and a caller holding that many addresses is not held by a per-address limit in any case. Keeps the
   * limiter from becoming a memory sink itself (about 100 bytes a client).
   */
  maxClients?: number;
}

export type MintDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

const MINUTE_MS = 60_000;

export class MintLimiter {
  /** In least-recently-seen order: a bucket is moved to the end each time its client asks. */
  private readonly buckets = new Map<string, Bucket>();
  private readonly capacity: number;
  private readonly perMs: number;
  private readonly maxClients: number;

  constructor(private readonly options: MintLimiterOptions) {
    this.capacity = options.perMinute;
    this.perMs = options.perMinute / MINUTE_MS;
    this.maxClients = options.maxClients ?? 10_000;
  }

  take(client: string): MintDecision {
    const now = this.options.clock.now();
    this.forgetRefilled(now);
    const bucket = this.buckets.get(client) ?? { tokens: this.capacity, at: now };
    const tokens = Math.min(this.capacity, bucket.tokens + Math.max(0, now - bucket.at) * this.perMs);
    this.buckets.delete(client);
    if (tokens >= 1) {
      this.remember(client, { tokens: tokens - 1, at: now });
      return { allowed: true };
    }
    this.remember(client, { tokens, at: now });
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / this.perMs / 1000)) };
  }

  /** Clients remembered right now (for tests of the bound). */
  get size(): number {
    return this.buckets.size;
  }

  private remember(client: string, bucket: Bucket): void {
    while (this.buckets.size >= this.maxClients) this.buckets.delete(this.buckets.keys().next().value!);
    this.buckets.set(client, bucket);
  }

  /** Buckets untouched for a minute are full again, the same as no bucket: dropped from the old end. */
  private forgetRefilled(now: number): void {
    for (const [client, bucket] of this.buckets) {
      if (now - bucket.at < MINUTE_MS) return;
      this.buckets.delete(client);
    }
  }
}
