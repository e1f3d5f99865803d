// SECURITY.md 10: sends are limited per account and per destination (default 3 per 15 minutes, 10 per day,
// 30 s between resends), and the reply never changes when a limit silently holds a send back. 100 resend
// requests in an hour — spread out, all at once, across an account's two addresses, and from two accounts that
// share one address — never send more than the limits allow, and all 100 replies are the same. Requests a limit
// holds back use up nothing (the owner still gets the day's allowance after a burst), the windows slide (a send
// leaves the 15-minute window 15 minutes after it went out), and two instances racing on one Redis send exactly
// the limit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { DANI } from '../transcripts/story.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { accountsFile, keysOf, servicesOf, startApp, visible, type Harness } from './helpers.js';

const REQUESTS = 100;
const HOUR = 3600_000;
const { sendsPer15Minutes: PER_15, sendsPerDay: PER_DAY, resendCooldownMs: COOLDOWN } = loadConfig({}).policy;
const SHARED = 'family@example.com';

let h: Harness;
beforeAll(async () => {
  // Two accounts that share one address: X has it as its email, Y as its alternate email.
  const file = await accountsFile([
    { id: 'acct-x', name: 'X', email: SHARED, locale: 'en' },
    { id: 'acct-y', name: 'Y', email: 'y@example.com', altEmail: SHARED, locale: 'en' },
    { id: 'acct-dani', name: 'Dani', email: DANI.email, altEmail: DANI.altEmail, locale: 'en' },
  ]);
  // The defaults, cooldown included (the test harness turns the cooldown off unless told).
  h = await startApp({ ACCOUNTS_FILE: file, RESEND_COOLDOWN_SECONDS: String(COOLDOWN / 1000) });
});
afterAll(() => h.close());

/** Code messages the outbox holds for these addresses, with their times. */
const codesTo = (...to: string[]) =>
  h.app.outbox!
    .list()
    .filter((m) => m.purpose === 'code' && to.includes(m.to))
    .map((m) => Date.parse(m.sentAt));

/** The most sends in any 15-minute window starting at a send. */
const busiestQuarter = (times: number[]) => Math.max(0, ...times.map((t) => times.filter((u) => u >= t && u < t + 15 * 60_000).length));

async function open(conv: string, identifier: string, channel: string): Promise<void> {
  await h.say(conv, 'I forgot my password');
  await h.say(conv, identifier);
  await h.press(conv, channel);
  await h.app.delivery.drain();
}

/** Resend requests in the conversations, in turn, `gapMs` apart; returns every reply as the client sees it. */
async function resend(convs: string[], gapMs: number): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    h.clock.advance(gapMs);
    const conv = convs[i % convs.length]!;
    const replies = await h.send(conv, { value: { choice: 'resend' }, locale: 'en-US' });
    seen.push(replies.map((r) => visible(r, conv)).join('\n'));
    if (i === 0) expect(keysOf('en', replies)).toEqual(['resending', 'code_sent_email', 'ask_code']);
    // A send starts a few milliseconds after its request; the manual clock moves on only once it has gone.
    await h.app.delivery.drain();
  }
  return seen;
}

describe('send limits (SECURITY.md 10)', () => {
  it('are 3 per 15 minutes, 10 per day and 30 s between resends by default', () => {
    expect([PER_15, PER_DAY, COOLDOWN]).toEqual([3, 10, 30_000]);
  });

  it('send at most the limits for 100 resend requests spread over an hour, with the same reply every time', async () => {
    h.clock.advance(2 * 24 * HOUR);
    const start = h.clock.now();
    await open('limits-spread', DANI.email, 'channel_email');
    const replies = await resend(['limits-spread'], HOUR / REQUESTS);
    const times = codesTo(DANI.email).filter((t) => t >= start);
    console.log(`SECURITY 10 spread: ${REQUESTS} resends over ${(h.clock.now() - start) / 60_000} min → ${times.length} codes sent, at most ${busiestQuarter(times)} in any 15 minutes`);
    expect(times.length).toBeLessThanOrEqual(PER_DAY);
    expect(times.length, 'the limits do let some through').toBeGreaterThanOrEqual(PER_15);
    expect(busiestQuarter(times)).toBeLessThanOrEqual(PER_15);
    expect(new Set(replies).size, 'every resend got the same answer').toBe(1);
  });

  it('send one code for 100 resend requests in the same minute (the cooldown), with the same reply every time', async () => {
    h.clock.advance(2 * 24 * HOUR);
    const start = h.clock.now();
    await open('limits-burst', DANI.email, 'channel_email');
    const replies = await resend(['limits-burst'], 250);
    const times = codesTo(DANI.email).filter((t) => t >= start);
    console.log(`SECURITY 10 burst: ${REQUESTS} resends in ${(h.clock.now() - start) / 1000} s → ${times.length} codes sent`);
    expect(times.length).toBeLessThanOrEqual(2);
    expect(new Set(replies).size).toBe(1);
  });

  it('count per account: resends to its two addresses together stay within one account limit', async () => {
    h.clock.advance(2 * 24 * HOUR);
    const start = h.clock.now();
    await open('limits-account-email', DANI.email, 'channel_email');
    await open('limits-account-alt', DANI.email, 'channel_alt_email');
    await resend(['limits-account-email', 'limits-account-alt'], HOUR / REQUESTS);
    const times = codesTo(DANI.email, DANI.altEmail).filter((t) => t >= start);
    console.log(`SECURITY 10 one account, two addresses: ${REQUESTS} resends in an hour → ${times.length} codes, at most ${busiestQuarter(times)} in any 15 minutes`);
    expect(times.length).toBeLessThanOrEqual(PER_DAY);
    expect(busiestQuarter(times)).toBeLessThanOrEqual(PER_15);
  });

  it('count per destination: two accounts sharing an address cannot flood it together', async () => {
    h.clock.advance(2 * 24 * HOUR);
    const start = h.clock.now();
    await open('limits-shared-x', SHARED, 'channel_email');
    await open('limits-shared-y', 'y@example.com', 'channel_alt_email');
    await resend(['limits-shared-x', 'limits-shared-y'], HOUR / REQUESTS);
    const times = codesTo(SHARED).filter((t) => t >= start);
    console.log(`SECURITY 10 one address, two accounts: ${REQUESTS} resends in an hour → ${times.length} codes, at most ${busiestQuarter(times)} in any 15 minutes`);
    expect(times.length).toBeLessThanOrEqual(PER_DAY);
    expect(busiestQuarter(times)).toBeLessThanOrEqual(PER_15);
  });

  it('do not count held-back sends: a burst of held requests leaves the rest of the day to the owner', async () => {
    h.clock.advance(2 * 24 * HOUR);
    const start = h.clock.now();
    await open('limits-held', DANI.email, 'channel_email');
    // Twenty requests in twelve minutes, past the cooldown each time: two more go out, eighteen are held back.
    const replies: string[] = [];
    for (let i = 0; i < 20; i++) {
      h.clock.advance(36_000);
      replies.push((await h.send('limits-held', { value: { choice: 'resend' }, locale: 'en-US' })).map((r) => visible(r, 'limits-held')).join('\n'));
      await h.app.delivery.drain();
    }
    await h.app.delivery.drain();
    expect(codesTo(DANI.email).filter((t) => t >= start)).toHaveLength(PER_15);
    // Then a request every five minutes for the rest of the day: the owner still gets the whole daily allowance.
    for (let i = 0; i < 12 * 20; i++) {
      h.clock.advance(5 * 60_000);
      replies.push((await h.send('limits-held', { value: { choice: 'resend' }, locale: 'en-US' })).map((r) => visible(r, 'limits-held')).join('\n'));
      await h.app.delivery.drain();
    }
    await h.app.delivery.drain();
    const times = codesTo(DANI.email).filter((t) => t >= start);
    console.log(`SECURITY 10 held-back sends: 18 held in the first quarter hour, then ${times.length} codes in the day (limit ${PER_DAY})`);
    expect(times).toHaveLength(PER_DAY);
    expect(busiestQuarter(times)).toBeLessThanOrEqual(PER_15);
    expect(new Set(replies).size, 'a held-back request is answered like any other').toBe(1);
  });

  it('slide: a send leaves the 15-minute window 15 minutes after it went out, not when a fixed window restarts', async () => {
    h.clock.advance(2 * 24 * HOUR);
    const start = h.clock.now();
    const sent = () => codesTo(DANI.email).filter((t) => t >= start).length;
    await open('limits-slide', DANI.email, 'channel_email');
    const at = async (offsetMs: number): Promise<boolean> => {
      h.clock.set(start + offsetMs);
      const before = sent();
      await h.send('limits-slide', { value: { choice: 'resend' }, locale: 'en-US' });
      await h.app.delivery.drain();
      return sent() > before;
    };
    const minute = 60_000;
    // Sends at 0, 6 and 12 minutes fill the window.
    const outcomes = [
      await at(6 * minute),
      await at(12 * minute),
      await at(14 * minute), // full: 0, 6, 12
      await at(15 * minute + 1_000), // the send at 0 has left
      await at(15 * minute + 40_000), // full again: 6, 12, 15:01 (a fixed window restarted at 15:00 would let this through)
      await at(20 * minute), // still full: the send at 6 leaves at 21
      await at(21 * minute + 1_000),
    ];
    console.log(`SECURITY 10 sliding window: resends at 6, 12, 14, 15:01, 15:40, 20, 21:01 min → ${outcomes.map((o) => (o ? 'sent' : 'held')).join(', ')}`);
    expect(outcomes).toEqual([true, true, false, true, false, false, true]);
  });
});

describe('send limits across instances (SECURITY.md 10)', () => {
  it('hold when two instances on one Redis race: 40 sends at once for one account give exactly the limit', async () => {
    const redis = await startRedisServer({ maxmemoryPolicy: 'noeviction' });
    const one = await startApp({ REDIS_URL: redis.url });
    const two = await startApp({ REDIS_URL: redis.url });
    try {
      // The real services of each instance, each over its own Redis connection (cooldown off: the windows alone decide).
      const [a, b] = [servicesOf(one), servicesOf(two)];
      const { subject } = await a.verification.lookup({ conversationId: 'race-0', kind: 'email', value: DANI.email });
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          (i % 2 ? b : a).verification.sendCode({ conversationId: `race-${i}`, subject, channel: 'email', locale: 'en' }),
        ),
      );
      const sent = [one, two].flatMap((h) => h.audit.entries().filter((e) => e.event === 'code_sent' && e.outcome === 'queued'));
      const held = [one, two].flatMap((h) => h.audit.entries().filter((e) => e.event === 'code_send_held'));
      console.log(`SECURITY 10 two instances, one Redis: 40 concurrent sends → ${sent.length} sent, ${held.length} held`);
      expect(sent).toHaveLength(PER_15);
      expect(held).toHaveLength(40 - PER_15);
    } finally {
      await one.close();
      await two.close();
      await redis.stop();
    }
  });
});
