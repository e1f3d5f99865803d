// The transcript is written on from what this instance wrote last, without reading it first: one store call a
// turn instead of two. Several instances writing the same conversation's transcript still lose no turn.
import { describe, expect, it } from 'vitest';
import type { SayEvent } from '../../machines/recovery.types.js';
import { ManualClock } from '../../src/clock.js';
import { TranscriptRecorder } from '../../src/handoff/transcript.js';
import { MemoryStore } from '../../src/stores/kv-store.js';

const says = (...keys: string[]): SayEvent[] => keys.map((key) => ({ type: 'say', key }));
const TTL = 3_600_000;

/** A memory store that counts its reads of versioned keys. */
class CountingStore extends MemoryStore {
  reads = 0;
  override async getVersioned(key: string) {
    this.reads++;
    return super.getVersioned(key);
  }
}

describe('transcript writes', () => {
  it('reads the transcript once, then writes each turn on what it wrote', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const store = new CountingStore(clock);
    const recorder = new TranscriptRecorder(store, clock, TTL);
    for (let i = 0; i < 5; i++) await recorder.record('c', { text: `turn ${i}` }, says('not_understood'));
    expect(store.reads).toBe(1);
    const kept = await recorder.read('c');
    expect(kept?.turns.map((t) => t.person)).toEqual([0, 1, 2, 3, 4].map((i) => ({ text: `turn ${i}` })));
  });

  it('loses no turn when two instances take turns of one conversation, alternately and at once', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const store = new CountingStore(clock);
    const [a, b] = [new TranscriptRecorder(store, clock, TTL), new TranscriptRecorder(store, clock, TTL)];
    await a.record('c', { text: 'one' }, says('code_wrong'));
    await b.record('c', { text: 'two' }, says('code_wrong'));
    // a's last write is out of date now: its write must fail and be tried again on what b wrote.
    await a.record('c', { text: 'three' }, says('second_factor_wrong'));
    await Promise.all([a.record('c', { text: 'four' }, says('locked_out')), b.record('c', { text: 'five' }, says('ask_code'))]);
    const kept = await a.read('c');
    expect(kept?.turns.map((t) => (t.person as { text: string }).text).sort()).toEqual(['five', 'four', 'one', 'three', 'two']);
    expect(kept?.turns.slice(0, 3).map((t) => (t.person as { text: string }).text)).toEqual(['one', 'two', 'three']);
    expect(kept?.failures).toEqual({ code: 2, secondFactor: 1 });
    expect(kept?.lockedOut).toBe(true);
  });

  it('reads again once what it wrote is old enough that the key may have expired and started over', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const store = new CountingStore(clock);
    const [a, b] = [new TranscriptRecorder(store, clock, TTL), new TranscriptRecorder(store, clock, TTL)];
    await a.record('c', { text: 'old one' }, says('code_wrong'));
    // The key expires; another instance starts it over and brings it to the version a last wrote.
    clock.advance(TTL + 1);
    await b.record('c', { text: 'new one' }, says('ask_code'));
    const readsBefore = store.reads;
    await a.record('c', { text: 'new two' }, says('ask_code'));
    expect(store.reads).toBe(readsBefore + 1);
    const kept = await a.read('c');
    expect(kept?.turns.map((t) => (t.person as { text: string }).text)).toEqual(['new one', 'new two']);
    expect(kept?.failures.code).toBe(0);
  });
});
