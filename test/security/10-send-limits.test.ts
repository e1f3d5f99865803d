// SECURITY.md 10: sends are limited per account and per destination (default 3 per 15 minutes, 10 per day,
// 30 s between resends), and the reply never changes when a limit silently holds a send back. 100 resend
// requests in an hour — spread out, all at once, across an account's two addresses, and from two accounts that
// share one address — never send more than the limits allow, and all 100 replies are the same.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { DANI } from '../transcripts/story.js';
import { accountsFile, keysOf, startApp, visible, type Harness } from './helpers.js';

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
  }
  await h.app.delivery.drain();
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
});
