// The in-memory Direct Line activity log: watermarks, and every bound it promises (count, bytes, age,
// conversations, total size), with the oldest going first.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { ActivityTooLargeError, MemoryActivityLog } from '../../src/web/directline/activity-log.js';

const message = (text: string) => ({ type: 'message', text });

describe('MemoryActivityLog', () => {
  it('numbers activities, stamps strictly increasing times and pages by watermark', async () => {
    const clock = new ManualClock();
    const log = new MemoryActivityLog(clock);
    await log.open('c1', 'dl_u');
    const a = await log.append('c1', message('one'));
    const b = await log.append('c1', message('two'));
    expect(a).toMatchObject({ id: 'c1|0000001', text: 'one' });
    expect(Date.parse(b!.timestamp)).toBe(Date.parse(a!.timestamp) + 1); // same clock reading, still ordered
    expect(await log.since('c1', null)).toMatchObject({ activities: [{ text: 'one' }, { text: 'two' }], watermark: '2' });
    expect(await log.since('c1', 1)).toMatchObject({ activities: [{ text: 'two' }], watermark: '2' });
    expect(await log.since('c1', 2)).toEqual({ activities: [], watermark: '2' });
    expect(await log.since('c1', null, 1)).toMatchObject({ activities: [{ text: 'one' }], watermark: '1' });
    expect(await log.since('nope', null)).toBeNull();
    expect(await log.append('nope', message('x'))).toBeNull();
  });

  it('keeps at most N activities and B bytes per conversation, dropping the oldest', async () => {
    const log = new MemoryActivityLog(new ManualClock(), { maxActivitiesPerConversation: 3, maxBytesPerConversation: 100_000 });
    await log.open('c', 'dl_u');
    for (const n of [1, 2, 3, 4, 5]) await log.append('c', message(`m${n}`));
    const page = await log.since('c', null);
    expect(page!.activities.map((a) => a.text)).toEqual(['m3', 'm4', 'm5']);
    expect(page!.watermark).toBe('5');
    // A client whose watermark points at dropped activities gets what is left.
    expect((await log.since('c', 1))!.activities.map((a) => a.text)).toEqual(['m3', 'm4', 'm5']);

    const small = new MemoryActivityLog(new ManualClock(), { maxBytesPerConversation: 600 });
    await small.open('c', 'dl_u');
    for (let n = 0; n < 10; n++) await small.append('c', message('x'.repeat(100)));
    expect(small.stats().totalBytes).toBeLessThanOrEqual(600);
    expect((await small.since('c', null))!.activities.length).toBeLessThan(10);
  });

  it('refuses a single activity over the size limit', async () => {
    const log = new MemoryActivityLog(new ManualClock(), { maxActivityBytes: 1000 });
    await log.open('c', 'dl_u');
    await expect(log.append('c', message('x'.repeat(2000)))).rejects.toBeInstanceOf(ActivityTooLargeError);
    expect((await log.since('c', null))!.activities).toEqual([]);
  });

  it('forgets conversations idle for longer than the TTL', async () => {
    const clock = new ManualClock();
    const log = new MemoryActivityLog(clock, { idleTtlMs: 24 * 3600_000 });
    await log.open('old', 'dl_a');
    clock.advance(12 * 3600_000);
    await log.open('young', 'dl_b');
    clock.advance(12 * 3600_000 + 1);
    expect(await log.get('old')).toBeNull();
    expect(await log.get('young')).not.toBeNull();
  });

  it('keeps at most N conversations, evicting the least recently used', async () => {
    const log = new MemoryActivityLog(new ManualClock(), { maxConversations: 2 });
    await log.open('a', 'dl_a');
    await log.open('b', 'dl_b');
    await log.get('a'); // a is now more recent than b
    await log.open('c', 'dl_c');
    expect(await log.get('b')).toBeNull();
    expect(await log.get('a')).not.toBeNull();
    expect(log.stats().conversations).toBe(2);
  });

  it('keeps the total size bounded across conversations', async () => {
    const log = new MemoryActivityLog(new ManualClock(), { maxTotalBytes: 5_000 });
    for (let c = 0; c < 20; c++) {
      await log.open(`c${c}`, 'dl_u');
      await log.append(`c${c}`, message('y'.repeat(500)));
    }
    expect(log.stats().totalBytes).toBeLessThanOrEqual(5_000);
    expect(await log.get('c19')).not.toBeNull();
    expect(await log.get('c0')).toBeNull();
  });

  it('tells live listeners about kept activities (with watermarks) and ephemeral ones (without)', async () => {
    const log = new MemoryActivityLog(new ManualClock());
    await log.open('c', 'dl_u');
    const updates: unknown[] = [];
    const stop = log.subscribe('c', (u) => updates.push({ type: u.activity.type, watermark: u.watermark }));
    await log.append('c', message('hi'));
    await log.publish('c', { type: 'typing' });
    stop();
    await log.append('c', message('after'));
    expect(updates).toEqual([
      { type: 'message', watermark: '1' },
      { type: 'typing', watermark: undefined },
    ]);
    expect((await log.since('c', null))!.activities.map((a) => a.type)).toEqual(['message', 'message']);
  });
});
