// A circuit breaker for a remote dependency: after `failureThreshold` failures in a row it opens and
// refuses calls for `cooldownMs`; then it lets one trial call through (half-open) and closes on success.
// While it is open the caller answers from its fall-back at once instead of waiting for a sick service.
import type { Clock } from '../clock.js';

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface CircuitBreakerOptions {
  failureThreshold: number;
  cooldownMs: number;
  clock: Clock;
  /** Told whenever the state changes, for logs and metrics. */
  onStateChange?: (state: BreakerState) => void;
}

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private current: BreakerState = 'closed';
  // In half-open only one trial call may be in flight; the rest are refused until it settles.
  private trialInFlight = false;

  constructor(private readonly options: CircuitBreakerOptions) {
    if (options.failureThreshold < 1) throw new Error('failureThreshold must be at least 1');
  }

  get state(): BreakerState {
    if (this.current === 'open' && this.options.clock.now() - this.openedAt >= this.options.cooldownMs) {
      this.transition('half_open');
    }
    return this.current;
  }

  /** Whether a call may go out now; every `true` must be followed by `success()` or `failure()`. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  success(): void {
    this.trialInFlight = false;
    this.failures = 0;
    if (this.current !== 'closed') this.transition('closed');
  }

  failure(): void {
    this.trialInFlight = false;
    this.failures++;
    if (this.current === 'half_open' || this.failures >= this.options.failureThreshold) {
      this.openedAt = this.options.clock.now();
      this.failures = 0;
      this.transition('open');
    }
  }

  private transition(state: BreakerState): void {
    if (state === this.current) return;
    this.current = state;
    this.options.onStateChange?.(state);
  }
}
