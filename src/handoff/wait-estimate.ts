// An honest wait estimate for the person in line: the average of the last few real waits (from joining the
// queue to an agent taking the chat), and nothing at all when there are no recent ones to go by.
import type { SayEvent } from '../../machines/recovery.types.js';

export interface WaitSample {
  /** When the wait ended (an agent took the chat). */
  at: number;
  ms: number;
}

/** How many recent waits the average is over. */
export const WAIT_SAMPLES_KEPT = 10;
/** Waits older than this say nothing about now (a different shift, a quiet night). */
export const WAIT_SAMPLE_MAX_AGE_MS = 2 * 3600_000;

export function addWaitSample(samples: WaitSample[], sample: WaitSample): WaitSample[] {
  return [...samples, sample].slice(-WAIT_SAMPLES_KEPT);
}

/** Moving average of the recent waits, or null when there is none to go by. */
export function estimateWaitMs(samples: WaitSample[], now: number): number | null {
  const recent = samples.filter((s) => now - s.at <= WAIT_SAMPLE_MAX_AGE_MS && s.ms >= 0);
  if (!recent.length) return null;
  return recent.reduce((sum, s) => sum + s.ms, 0) / recent.length;
}

/** What the person hears about the queue: place in line and the estimate, or that there is none yet. */
export function queueStatusSay(position: number, estimateMs: number | null): SayEvent {
  if (estimateMs === null) return { type: 'say', key: 'handoff_queue_no_estimate', params: { position }, choices: ['cancel'] };
  if (estimateMs < 60_000) return { type: 'say', key: 'handoff_queue_estimate_short', params: { position }, choices: ['cancel'] };
  return { type: 'say', key: 'handoff_queue_estimate', params: { position, wait: Math.round(estimateMs / 60_000) }, choices: ['cancel'] };
}
