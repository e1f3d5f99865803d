// Round trips to Redis per turn, counted on a real Redis through the whole app: each is a loopback network wait
// the person's reply sits behind, so their number, more than their cost, sets Clave's latency on Redis (bench/).
// A round trip here is a wait on the store with nothing else in flight: calls sent while others are still out
// go in the same write (node-redis pipelines what is sent in one tick) and cost no wait of their own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/stores/redis-store.js';
import type { KeyValueStore } from '../../src/stores/kv-store.js';
import { startHarness, type Harness } from '../helpers/bot-harness.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

/** The store with a count of its round trips and commands; the nudge poller's claims are left out (timers). */
function counting(store: KeyValueStore) {
  const counts = { roundTrips: 0, commands: 0 };
  let inFlight = 0;
  const wrapped = new Proxy(store, {
    get(target, name, receiver) {
      const member = Reflect.get(target, name, receiver) as unknown;
      if (typeof member !== 'function' || name === 'close' || name === 'claimDue') return member;
      return (...args: unknown[]) => {
        if (inFlight++ === 0) counts.roundTrips++;
        counts.commands++;
        const reply = (member as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        return reply.finally(() => void inFlight--);
      };
    },
  });
  return { store: wrapped, counts };
}

let redis: RedisServer;
let h: Harness;
let counts: { roundTrips: number; commands: number };

beforeAll(async () => {
  redis = await startRedisServer({ maxmemoryPolicy: 'noeviction' });
  const measured = counting(await RedisStore.connect(redis.url));
  counts = measured.counts;
  h = await startHarness({ REDIS_URL: redis.url }, { store: measured.store });
  // Start-up's own reads, and Redis loading the scripts, stay out of the count.
  await h.say('round-trips-warm-up', 'I forgot my password', 'en-US');
}, 30_000);

afterAll(async () => {
  await h?.close();
  await redis?.stop();
});

/** One turn's round trips and commands, counted from the request to the reply. */
async function measured(step: () => Promise<unknown>): Promise<{ roundTrips: number; commands: number }> {
  // Sends from the previous turn (the code) run after its reply; let them finish outside the count.
  await h.app.delivery.drain();
  const before = { ...counts };
  await step();
  return { roundTrips: counts.roundTrips - before.roundTrips, commands: counts.commands - before.commands };
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
    // 39 before the record rode with the lock, the writes went out together and the transcript stopped reading first.
    expect(roundTrips).toBeLessThanOrEqual(20);
  });
});
