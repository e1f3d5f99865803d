// The wait the person is told is the average of real recent waits, and no number at all without them.
import { describe, expect, it } from 'vitest';
import { addWaitSample, estimateWaitMs, queueStatusSay, WAIT_SAMPLE_MAX_AGE_MS, WAIT_SAMPLES_KEPT } from '../../src/handoff/wait-estimate.js';

const NOW = 1_700_000_000_000;

describe('wait estimate', () => {
  it('says there is no estimate when nobody waited recently', () => {
    expect(estimateWaitMs([], NOW)).toBeNull();
    expect(estimateWaitMs([{ at: NOW - WAIT_SAMPLE_MAX_AGE_MS - 1, ms: 60_000 }], NOW)).toBeNull();
    expect(queueStatusSay(2, null)).toEqual({ type: 'say', key: 'handoff_queue_no_estimate', params: { position: 2 }, choices: ['cancel'] });
  });

  it('is the moving average of the last waits', () => {
    let samples = [] as { at: number; ms: number }[];
    for (let i = 0; i < WAIT_SAMPLES_KEPT + 5; i++) samples = addWaitSample(samples, { at: NOW - 1000, ms: i < 5 ? 3_600_000 : 120_000 });
    expect(samples).toHaveLength(WAIT_SAMPLES_KEPT);
    // The five hour-long waits fell out of the window: the average is 2 minutes.
    expect(estimateWaitMs(samples, NOW)).toBe(120_000);
    expect(queueStatusSay(1, 150_000)).toEqual({ type: 'say', key: 'handoff_queue_estimate', params: { position: 1, wait: 3 }, choices: ['cancel'] });
    expect(queueStatusSay(3, 20_000).key).toBe('handoff_queue_estimate_short');
  });
});
