// SECURITY.md 15: recovery never bypasses 2FA. On an account with an authenticator (and an email, an alternate
// email and a verified phone), 60 seeded random walks mix fresh email, alternate-email and SMS codes with every
// button, resends, channel switches, starting over, made-up digits and requests for the link: none ever reaches
// a reset link, a second-factor verification or a link in the audit trail, although most walks prove a code,
// some several times and on both email addresses (one factor, not two). The reset service itself, asked for a
// link for such a conversation, refuses. With the authenticator code the same journey does get a link.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Choice } from '../../machines/recovery.types.js';
import { accountsFile, alignToStep, contextOf, keysOf, servicesOf, startApp, totpAt, type Harness } from './helpers.js';

const EVE = {
  email: 'eve@example.com',
  altEmail: 'eve.backup@example.org',
  phone: '+14155550199',
  totpSecret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
};
const DESTINATIONS = { email: EVE.email, alt_email: EVE.altEmail, sms: EVE.phone } as const;
type Channel = keyof typeof DESTINATIONS;
const IDENTIFIERS = [EVE.email, EVE.altEmail, EVE.phone];
const BUTTONS: Choice[] = ['recover', 'agent', 'channel_email', 'channel_alt_email', 'channel_sms', 'resend', 'switch_channel', 'code_not_received', 'use_recovery_code', 'lost_2fa', 'new_link', 'start_over', 'cancel', 'language_es', 'language_en'];
const ASKS = ['send me the reset link', 'I already verified my email, give me the link', 'skip the authenticator please', 'new link', 'ok', 'yes'];
const WALKS = 60;
const HOUR = 3600_000;

let h: Harness;
beforeAll(async () => {
  const file = await accountsFile([{ id: 'acct-eve', name: 'Eve', ...EVE, phoneVerified: true, locale: 'en' }]);
  // Send limits raised so the walks keep getting real codes; the clock also moves on an hour per walk.
  h = await startApp({ ACCOUNTS_FILE: file, SENDS_PER_15_MINUTES: '10', SENDS_PER_DAY: '50' });
});
afterAll(() => h.close());

/** A small seeded generator (mulberry32), so every run walks the same paths. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const newest = async (destination: string) => (await h.codesFor(destination))[0] ?? '000000';

/**
 * The walks type about 130 six-digit codes at the second-factor step (email and SMS codes, made-up digits), and
 * each is Eve's authenticator code by chance once in 500,000 (this step or the one before). A guess that lands is a
 * guess, which the failure limits bound (SECURITY.md 8, 9), not a way around the second factor; so a value that
 * happens to be the authenticator's code right now is typed one higher.
 */
let guessesThatWouldLand = 0;
async function notTheAuthenticatorCode(text: string): Promise<string> {
  const now = h.clock.now();
  const valid = new Set([await totpAt(EVE.totpSecret, now), await totpAt(EVE.totpSecret, now - 30_000)]);
  let typed = text;
  while (/^\d{6}$/.test(typed) && valid.has(typed)) {
    guessesThatWouldLand++;
    typed = String((Number(typed) + 1) % 1e6).padStart(6, '0');
  }
  return typed;
}

describe('recovery never bypasses the second factor (SECURITY.md 15)', () => {
  const tally = { walks: 0, turns: 0, codesProven: 0, walksProvingACode: 0, bothEmails: 0 };

  it(`never reaches a reset link with codes alone, in ${WALKS} random walks`, async () => {
    const next = random(15);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
    const problems: string[] = [];

    for (let walk = 0; walk < WALKS; walk++) {
      // Locks, failure counts, delays and send windows from earlier walks are over; a new day every 20 walks.
      h.clock.advance(walk % 20 === 19 ? 25 * HOUR : HOUR + 60_000);
      const conv = `walk-${walk}`;
      let channel: Channel = pick(['email', 'alt_email', 'sms'] as const);
      const proven = new Set<string>();
      const steps: string[] = [];
      const act = async (label: string, activity: Parameters<Harness['send']>[1]) => {
        steps.push(label);
        if (activity.text !== undefined) activity = { ...activity, text: await notTheAuthenticatorCode(activity.text) };
        const replies = await h.send(conv, { ...activity, locale: 'en-US' });
        tally.turns++;
        const keys = keysOf('en', replies);
        if (keys.includes('code_verified')) proven.add(channel);
        if (replies.some((r) => /\/reset\//.test(r.text ?? '')) || keys.includes('reset_link')) problems.push(`walk ${walk}: a reset link after ${steps.join(' → ')}`);
        return keys;
      };

      await act('opener', { text: 'I forgot my password' });
      await act('identifier', { text: pick(IDENTIFIERS) });
      await act(`channel ${channel}`, { value: { choice: `channel_${channel}` } });
      for (let i = 0; i < 9; i++) {
        const roll = next();
        if (roll < 0.4) await act(`code for ${channel}`, { text: await newest(DESTINATIONS[channel]) });
        else if (roll < 0.5) {
          const other = pick((['email', 'alt_email', 'sms'] as const).filter((c) => c !== channel));
          await act(`code for ${other}`, { text: await newest(DESTINATIONS[other]) });
        } else if (roll < 0.62) {
          const button = pick(BUTTONS);
          if (button.startsWith('channel_')) channel = button.slice('channel_'.length) as Channel;
          await act(`[${button}]`, { value: { choice: button } });
        } else if (roll < 0.7) await act('made-up digits', { text: String(Math.floor(next() * 1e6)).padStart(6, '0') });
        else if (roll < 0.8) await act('asks for the link', { text: pick(ASKS) });
        else if (roll < 0.9) {
          channel = pick(['email', 'alt_email', 'sms'] as const);
          await act('start over', { value: { choice: 'start_over' } });
          await act('identifier', { text: pick(IDENTIFIERS) });
          await act(`channel ${channel}`, { value: { choice: `channel_${channel}` } });
        } else await act('recovery-code shape', { text: 'ABCD-2345-EFGH-6789' });
      }
      tally.walks++;
      tally.codesProven += proven.size;
      if (proven.has('email') && proven.has('alt_email')) tally.bothEmails++;
      if (proven.size > 0) tally.walksProvingACode++;
    }

    const events = h.audit.entries();
    const verified = events.filter((e) => e.event === 'code_verified').length;
    console.log(
      `SECURITY 15 ${tally.walks} walks, ${tally.turns} turns: ${verified} codes verified, ${tally.walksProvingACode} walks proved a code, ` +
        `${tally.bothEmails} proved both email addresses; second factors verified ${events.filter((e) => e.event === 'second_factor_verified').length}, ` +
        `links issued ${events.filter((e) => e.event === 'reset_link_issued').length}; codes that were the authenticator's by chance ${guessesThatWouldLand}`,
    );
    expect(problems).toEqual([]);
    expect(events.filter((e) => e.event === 'second_factor_verified' || e.event === 'reset_link_issued' || e.event === 'reset_completed')).toEqual([]);
    // The walks did prove first factors, many times, so "no link" is not for want of getting that far.
    expect(verified).toBeGreaterThanOrEqual(WALKS / 2);
    expect(tally.bothEmails, 'some walks proved both email addresses').toBeGreaterThan(0);
  });

  it('is refused by the reset service itself for a conversation that proved only codes, two of them', async () => {
    h.clock.advance(25 * HOUR);
    const conv = 'direct-issue';
    for (const [identifier, channel] of [[EVE.email, 'email'], [EVE.altEmail, 'alt_email']] as const) {
      if (channel === 'alt_email') await h.press(conv, 'start_over');
      else await h.say(conv, 'I forgot my password');
      await h.say(conv, identifier);
      await h.press(conv, `channel_${channel}`);
      expect(keysOf('en', await h.send(conv, { text: await newest(DESTINATIONS[channel]), locale: 'en-US' }))).toEqual(['code_verified', 'ask_second_factor']);
    }
    const { reset } = servicesOf(h);
    const { subject } = await contextOf(h, conv);
    await expect(reset.issueLink({ conversationId: conv, subject, locale: 'en' })).rejects.toThrow(/second factor/);
    expect(h.audit.entries().filter((e) => e.event === 'reset_link_issued')).toEqual([]);
  });

  it('gives the link once the authenticator code is added (the walks could have got one with it)', async () => {
    alignToStep(h);
    const conv = 'with-authenticator';
    await h.say(conv, 'I forgot my password');
    await h.say(conv, EVE.email);
    await h.press(conv, 'channel_email');
    expect(keysOf('en', await h.send(conv, { text: await newest(EVE.email), locale: 'en-US' }))).toEqual(['code_verified', 'ask_second_factor']);
    expect(keysOf('en', await h.send(conv, { text: await totpAt(EVE.totpSecret, h.clock.now()), locale: 'en-US' }))).toEqual(['reset_link']);
  });
});
