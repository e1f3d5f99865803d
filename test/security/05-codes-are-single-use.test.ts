// SECURITY.md 5: a code works once, and a resend makes a new code and kills the old one. The right code sent
// twice at once (two HTTP requests racing, in one conversation and across two) verifies exactly once; the
// verification service itself, called twice at once without the engine's per-conversation queue in between,
// says "verified" exactly once; and after a resend the old code is refused while the new one works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANA, BEN, CARLA, DANI } from '../transcripts/story.js';
import { contextOf, keysOf, servicesOf, startApp, type Harness } from './helpers.js';

let h: Harness;
const ENV = { SENDS_PER_15_MINUTES: '10', SENDS_PER_DAY: '50' };
beforeAll(async () => {
  // Several codes per account in this file; the send limits are raised so none is held back.
  h = await startApp(ENV);
});
afterAll(() => h.close());

let n = 0;
/** A new conversation waiting for a code sent to `identifier` by `channel`; returns it and the code. */
async function waitingForCode(identifier: string, destination: string, channel = 'channel_email'): Promise<{ conv: string; code: string }> {
  const conv = `single-use-${++n}`;
  await h.say(conv, 'I forgot my password');
  await h.say(conv, identifier);
  await h.press(conv, channel);
  const [code] = await h.codesFor(destination);
  expect(code).toMatch(/^\d{6}$/);
  return { conv, code: code! };
}

const verifications = (conv?: string) =>
  h.audit.entries().filter((e) => e.event === 'code_verified' && (conv === undefined || e.conversationId === conv));

describe('codes are single use (SECURITY.md 5)', () => {
  it('verifies the right code once when it is sent twice at the same moment in one conversation', async () => {
    const { conv, code } = await waitingForCode(DANI.email, DANI.email);
    const both = await Promise.all([
      h.send(conv, { text: code, locale: 'en-US' }),
      h.send(conv, { text: code, locale: 'en-US' }),
    ]);
    const keys = both.map((replies) => keysOf('en', replies));
    console.log(`SECURITY 5 same conversation, right code twice at once → ${JSON.stringify(keys)}`);
    expect(keys.filter((k) => k.includes('code_verified'))).toHaveLength(1);
    expect(keys.filter((k) => k.includes('reset_link'))).toHaveLength(1);
    expect(verifications(conv)).toHaveLength(1);
  });

  it('verifies it once when it is typed at the same moment in its own conversation and in another one', async () => {
    const a = await waitingForCode(ANA.email, ANA.email);
    const b = await waitingForCode(ANA.email, ANA.email);
    expect(b.code, 'B has a code of its own').not.toBe(a.code);
    const [inA, inB] = await Promise.all([
      h.send(a.conv, { text: a.code, locale: 'en-US' }),
      h.send(b.conv, { text: a.code, locale: 'en-US' }),
    ]);
    expect(keysOf('en', inA)).toEqual(['code_verified', 'reset_link']);
    expect(keysOf('en', inB)).toEqual(['code_wrong', 'ask_code']);
    expect(verifications(a.conv)).toHaveLength(1);
    expect(verifications(b.conv)).toHaveLength(0);
  });

  it('lets the verification service itself say "verified" only once for two calls racing with the right code', async () => {
    const { verification } = servicesOf(h, ENV);
    const outcomes: string[][] = [];
    // One race per account: the loser of each race counts as a failed try on that account.
    for (const [identifier, destination, channel] of [
      [DANI.email, DANI.altEmail, 'channel_alt_email'],
      [BEN.email, BEN.phone, 'channel_sms'],
      [CARLA.phone, CARLA.phone, 'channel_sms'],
      [ANA.email, ANA.email, 'channel_email'],
    ] as const) {
      const { conv, code } = await waitingForCode(identifier, destination, channel);
      const input = { conversationId: conv, subject: (await contextOf(h, conv)).subject, code };
      const race = await Promise.all([verification.verifyCode(input), verification.verifyCode(input), verification.verifyCode(input)]);
      outcomes.push(race.map((r) => r.outcome).sort());
    }
    console.log(`SECURITY 5 three verifyCode calls at once, per account → ${JSON.stringify(outcomes)}`);
    for (const race of outcomes) expect(race.filter((o) => o === 'verified')).toHaveLength(1);
  });

  it('kills the old code on a resend: the old one is refused, the new one works', async () => {
    const { conv, code: first } = await waitingForCode(DANI.email, DANI.email);
    let second: string | undefined = first;
    // A fresh code can, one time in a million, repeat the old one; ask again until it differs.
    while (second === first) {
      expect(keysOf('en', await h.send(conv, { value: { choice: 'resend' }, locale: 'en-US' }))).toEqual([
        'resending',
        'code_sent_email',
        'ask_code',
      ]);
      [second] = await h.codesFor(DANI.email);
    }
    expect(keysOf('en', await h.send(conv, { text: first, locale: 'en-US' }))).toEqual(['code_wrong', 'ask_code']);
    expect(keysOf('en', await h.send(conv, { text: second!, locale: 'en-US' }))).toEqual(['code_verified', 'reset_link']);
    // Once used, the code's record is gone: nothing is left to match it again.
    expect(await h.app.store.get(`code:{${conv}}`)).toBeNull();
  });
});
