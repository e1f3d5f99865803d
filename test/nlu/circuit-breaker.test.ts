// The breaker in front of the language model: opens after N failures in a row, refuses calls while open,
// lets one trial through after the cool-down, closes on its success and reopens on its failure.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { CircuitBreaker, type BreakerState } from '../../src/nlu/circuit-breaker.js';

function breaker(failureThreshold = 3, cooldownMs = 30_000) {
  const clock = new ManualClock();
  const changes: BreakerState[] = [];
  const b = new CircuitBreaker({ failureThreshold, cooldownMs, clock, onStateChange: (s) => changes.push(s) });
  return { b, clock, changes };
}

const fail = (b: CircuitBreaker) => {
  expect(b.tryAcquire()).toBe(true);
  b.failure();
};

describe('CircuitBreaker', () => {
  it('stays closed below the threshold, and a success resets the count', () => {
    const { b } = breaker(3);
    fail(b);
    fail(b);
    expect(b.tryAcquire()).toBe(true);
    b.success();
    fail(b);
    fail(b);
    expect(b.state).toBe('closed');
  });

  it('opens after the configured consecutive failures and refuses every call until the cool-down', () => {
    const { b, clock, changes } = breaker(3, 30_000);
    fail(b);
    fail(b);
    fail(b);
    expect(b.state).toBe('open');
    for (let i = 0; i < 10; i++) expect(b.tryAcquire()).toBe(false);
    clock.advance(29_999);
    expect(b.tryAcquire()).toBe(false);
    clock.advance(1);
    expect(b.state).toBe('half_open');
    expect(changes).toEqual(['open', 'half_open']);
  });

  it('lets exactly one trial call through when half-open, and closes when it succeeds', () => {
    const { b, clock, changes } = breaker(1, 1000);
    fail(b);
    clock.advance(1000);
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire(), 'a second call while the trial is in flight').toBe(false);
    b.success();
    expect(b.state).toBe('closed');
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(true);
    expect(changes).toEqual(['open', 'half_open', 'closed']);
  });

  it('reopens for a full cool-down when the trial call fails', () => {
    const { b, clock } = breaker(2, 1000);
    fail(b);
    fail(b);
    clock.advance(1000);
    fail(b);
    expect(b.state).toBe('open');
    clock.advance(999);
    expect(b.tryAcquire()).toBe(false);
    clock.advance(1);
    expect(b.tryAcquire()).toBe(true);
  });

  it('refuses a threshold below one', () => {
    expect(() => new CircuitBreaker({ failureThreshold: 0, cooldownMs: 1, clock: new ManualClock() })).toThrow(/failureThreshold/);
  });
});
