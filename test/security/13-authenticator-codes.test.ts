// SECURITY.md 13: authenticator codes per RFC 6238 — 30-second steps, 6 digits, the current step and at most
// one step back, and never the same step twice for an account. Through the bot, with Ben's authenticator and
// the clock a couple of seconds into a step: the previous step is accepted, two steps back and one ahead are
// refused, the current step is accepted, and the same step again (in another conversation) is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BEN } from '../transcripts/story.js';
import { alignToStep, keysOf, startApp, totpAt, type Harness } from './helpers.js';

const STEP = 30_000;

let h: Harness;
beforeAll(async () => {
  // Seven conversations each get an email code for Ben before the authenticator step; five refusals on his
  // account would meet the growing delays of item 9, which are off here so each answer is the check itself.
  h = await startApp({ SENDS_PER_15_MINUTES: '10', ATTEMPT_DELAYS_SECONDS: '0' });
});
afterAll(() => h.close());

let n = 0;
/** A new conversation of Ben's, past the email code and waiting for the second factor. */
async function atSecondFactor(): Promise<string> {
  const conv = `totp-${++n}`;
  await h.say(conv, 'I forgot my password');
  await h.say(conv, BEN.email);
  await h.press(conv, 'channel_email');
  const [code] = await h.codesFor(BEN.email);
  expect(keysOf('en', await h.send(conv, { text: code!, locale: 'en-US' }))).toEqual(['code_verified', 'ask_second_factor']);
  return conv;
}

const answer = async (conv: string, code: string) => keysOf('en', await h.send(conv, { text: code, locale: 'en-US' }));
const ACCEPTED = ['reset_link'];
const REFUSED = ['second_factor_wrong', 'ask_second_factor'];

describe('authenticator codes (SECURITY.md 13)', () => {
  it('accept the current and the previous step only, and never a step twice', async () => {
    const convs = [];
    for (let i = 0; i < 6; i++) convs.push(await atSecondFactor());
    alignToStep(h);
    const now = h.clock.now();
    const code = { twoBack: await totpAt(BEN.totpSecret, now - 2 * STEP), previous: await totpAt(BEN.totpSecret, now - STEP), current: await totpAt(BEN.totpSecret, now), ahead: await totpAt(BEN.totpSecret, now + STEP) };
    expect(code.current).toMatch(/^\d{6}$/);

    const results = {
      'two steps back': await answer(convs[0]!, code.twoBack),
      'one step ahead': await answer(convs[1]!, code.ahead),
      'previous step': await answer(convs[2]!, code.previous),
      'current step': await answer(convs[3]!, code.current),
      'current step again (replay)': await answer(convs[4]!, code.current),
      'previous step again (replay)': await answer(convs[5]!, code.previous),
    };
    console.log(`SECURITY 13 ${Object.entries(results).map(([what, keys]) => `${what} → ${keys[0]}`).join('; ')}`);
    expect(results).toEqual({
      'two steps back': REFUSED,
      'one step ahead': REFUSED,
      'previous step': ACCEPTED,
      'current step': ACCEPTED,
      'current step again (replay)': REFUSED,
      'previous step again (replay)': REFUSED,
    });
    const verified = h.audit.entries().filter((e) => e.event === 'second_factor_verified');
    expect(verified.map((e) => e.conversationId)).toEqual([convs[2], convs[3]]);
    expect(verified.every((e) => e.channel === 'totp' && e.accountId === 'acct-ben')).toBe(true);
  });

  it('uses 30-second steps: the code of this step stops working two steps later', async () => {
    alignToStep(h);
    const conv = await atSecondFactor();
    const code = await totpAt(BEN.totpSecret, h.clock.now());
    h.clock.advance(2 * STEP);
    expect(await answer(conv, code)).toEqual(REFUSED);
    h.clock.advance(STEP);
    expect(await answer(conv, await totpAt(BEN.totpSecret, h.clock.now()))).toEqual(ACCEPTED);
  });
});
