// Round trips to Redis per turn, counted on a real Redis through the whole app: each is a loopback network wait
// the person's reply sits behind, so their number, more than their cost, sets Clave's latency on Redis (bench/).
// A round trip here is a wait on the store with nothing else in flight: calls sent while others are still out
// go in the same write (node-redis pipelines what is sent in one tick) and cost no wait of their own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/stores/redis-store.js';
import type { KeyValueStore } from '../../src/stores/kv-store.js';
import { startHarness, type Harness } from '../helpers/bot-harness.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

/**
 * The store with a count of its round trips and commands, and the calls in order with '|' where a round trip
 * begins (shown when the bound is exceeded). Left out: the nudge poller's claims and releases (timers), and a
 * delivered send clearing its channel's trouble mark: it runs 5–10 ms after the reply that queued the send, so
 * on a busy machine it sometimes lands before the test has that reply in hand, though never on the turn's path.
 */
function counting(store: KeyValueStore) {
  const counts = { roundTrips: 0, commands: 0 };
  const trace: string[] = [];
  let inFlight = 0;
  const wrapped = new Proxy(store, {
    get(target, name, receiver) {
      const member = Reflect.get(target, name, receiver) as unknown;
      if (typeof member !== 'function' || name === 'close' || name === 'claimDue' || name === 'zremIfScore') return member;
      return (...args: unknown[]) => {
        if (name === 'del' && String(args[0]).startsWith('delivery-trouble:')) {
          return (member as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        }
        if (inFlight++ === 0) {
          counts.roundTrips++;
          trace.push('|');
        }
        counts.commands++;
        trace.push(`${String(name)} ${String(args[0])}`);
        const reply = (member as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        return reply.finally(() => void inFlight--);
      };
    },
  });
  return { store: wrapped, counts, trace };
}

let redis: RedisServer;
let h: Harness;
let counts: { roundTrips: number; commands: number };
let trace: string[];

beforeAll(async () => {
  redis = await startRedisServer({ maxmemoryPolicy: 'noeviction' });
  const measured = counting(await RedisStore.connect(redis.url));
  counts = measured.counts;
  trace = measured.trace;
  h = await startHarness({ REDIS_URL: redis.url }, { store: measured.store });
  // Start-up's own reads, and Redis loading the scripts, stay out of the count.
  await h.say('round-trips-warm-up', 'I forgot my password', 'en-US');
}, 30_000);

afterAll(async () => {
  await h?.close();
  await redis?.stop();
});

/** One turn's round trips and commands, counted from the request to the reply. */
async function measured(step: () => Promise<unknown>): Promise<{ roundTrips: number; commands: number; ops: string[] }> {
  // Sends from the previous turn (the code) run after its reply; let them finish outside the count.
  await h.app.delivery.drain();
  const before = { ...counts };
  const from = trace.length;
  await step();
  return { roundTrips: counts.roundTrips - before.roundTrips, commands: counts.commands - before.commands, ops: trace.slice(from) };
}

describe('Redis round trips per turn', () => {
  it('takes a whole recovery (opener, email, channel, code) in few round trips', async () => {
    const conv = `round-trips-${Date.now()}`;
    const steps = [
      await measured(() => h.say(conv, 'I forgot my password', 'en-US')),
      await measured(() => h.say(conv, 'ana@example.com')),
      await measured(() => h.press(conv, 'channel_email')),
    ];
    const [code] = await h.codesFor('ana@example.com');
    let replies: string[] = [];
    steps.push(await measured(async () => (replies = await h.say(conv, code!))));
    expect(replies.join('\n')).toContain('https://clave.test/');

    const roundTrips = steps.reduce((sum, s) => sum + s.roundTrips, 0);
    const commands = steps.reduce((sum, s) => sum + s.commands, 0);
    console.log(`round trips per recovery: ${roundTrips} (${steps.map((s) => s.roundTrips).join(' + ')}); commands: ${commands} (${steps.map((s) => s.commands).join(' + ')})`);
    // 39 before the record rode with the lock, the writes went out together and the transcript stopped reading
    // first; 20 before the code step's reads took the account's id along and one script redeemed the code.
    expect(roundTrips, steps.map((s) => s.ops.join('\n')).join('\n-----\n')).toBeLessThanOrEqual(17);
  });

  it('answers a wrong code in few round trips, counting the failure with its account read in one', async () => {
    const conv = `round-trips-wrong-${Date.now()}`;
    await h.say(conv, 'I forgot my password', 'en-US');
    await h.say(conv, 'ben@example.com');
    await h.press(conv, 'channel_email');
    const [code] = await h.codesFor('ben@example.com');
    const wrong = code === '000000' ? '111111' : '000000';
    let replies: string[] = [];
    const step = await measured(async () => (replies = await h.say(conv, wrong)));
    expect(replies.join('\n')).toContain('doesn’t match');
    console.log(`round trips for a wrong code: ${step.roundTrips}; commands: ${step.commands}`);
    // Lock and record; lockout, wait, code and the account's id; the try; the failure (its count decides what
    // follows, so the try goes first); the record. 6 before, when the failure read the account's id again.
    expect(step.roundTrips, step.ops.join('\n')).toBeLessThanOrEqual(5);
  });
});
