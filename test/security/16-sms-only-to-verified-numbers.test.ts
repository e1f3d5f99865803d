// SECURITY.md 16: SMS goes only to a number already verified on the account, and the person is told SMS is the
// weaker channel and offered email first. An account whose phone is not verified gets no text message — not for
// a code, whether it is identified by email or by that very number, and not for a reset notice — while its
// replies stay those of an account with a verified phone. Such a number does not identify the account at all. The channel menu, in both languages, says SMS is the
// weaker channel and lists email first and SMS last.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Choice, Locale } from '../../machines/recovery.types.js';
import { submitNewPassword } from '../transcripts/story.js';
import { accountsFile, keysOf, linkIn, startApp, visible, type Harness } from './helpers.js';

const UMA = { email: 'uma@example.com', phone: '+14155550123' }; // phone on file, never verified
const VAL = { email: 'val@example.com', phone: '+14155550124' }; // phone verified

let h: Harness;
beforeAll(async () => {
  const file = await accountsFile([
    { id: 'acct-uma', name: 'Uma', ...UMA, phoneVerified: false, locale: 'en' },
    { id: 'acct-val', name: 'Val', ...VAL, phoneVerified: true, locale: 'en' },
  ]);
  h = await startApp({ ACCOUNTS_FILE: file, SENDS_PER_15_MINUTES: '10' });
});
afterAll(() => h.close());

const sentTo = (to: string) => h.app.outbox!.list().filter((m) => m.to === to);

/** Identifies, chooses SMS and types a wrong code; returns what the client saw. */
async function smsJourney(conv: string, identifier: string): Promise<string[]> {
  const seen: string[] = [];
  for (const activity of [{ text: 'I forgot my password' }, { text: identifier }, { value: { choice: 'channel_sms' } }, { text: '000000' }]) {
    seen.push(...(await h.send(conv, { ...activity, locale: 'en-US' })).map((r) => visible(r, conv)));
  }
  await h.app.delivery.drain();
  return seen;
}

describe('SMS only to a verified number (SECURITY.md 16)', () => {
  it('sends no code to a number the account has not verified, by email or by that number, with the same replies', async () => {
    const byEmail = await smsJourney('uma-by-email', UMA.email);
    const byPhone = await smsJourney('uma-by-phone', UMA.phone);
    const verified = await smsJourney('val-by-email', VAL.email);
    console.log(`SECURITY 16 codes by SMS: unverified number ${sentTo(UMA.phone).length}, verified number ${sentTo(VAL.phone).length}`);
    expect(sentTo(UMA.phone)).toEqual([]);
    expect(sentTo(VAL.phone).map((m) => m.purpose)).toEqual(['code']);
    expect(byEmail).toEqual(verified);
    expect(byPhone).toEqual(verified);
  });

  it('does not identify an account by a number it never verified: no code reaches its email either, with the same replies', async () => {
    const seen: string[] = [];
    for (const activity of [{ text: 'I forgot my password' }, { text: UMA.phone }, { value: { choice: 'channel_email' } }]) {
      seen.push(...(await h.send('uma-phone-email', { ...activity, locale: 'en-US' })).map((r) => visible(r, 'uma-phone-email')));
    }
    const stranger: string[] = [];
    for (const activity of [{ text: 'I forgot my password' }, { text: '+14155550199' }, { value: { choice: 'channel_email' } }]) {
      stranger.push(...(await h.send('stranger-phone-email', { ...activity, locale: 'en-US' })).map((r) => visible(r, 'stranger-phone-email')));
    }
    await h.app.delivery.drain();
    const codesToUma = sentTo(UMA.email).filter((m) => m.purpose === 'code');
    console.log(`SECURITY 16 identified by an unverified number, email chosen: codes to the account's email ${codesToUma.length}`);
    expect(codesToUma).toEqual([]);
    expect(seen).toEqual(stranger);
  });

  it('tells no reset by text message to an unverified number either, only to the email', async () => {
    await h.say('uma-reset', 'I forgot my password');
    await h.say('uma-reset', UMA.email);
    await h.press('uma-reset', 'channel_email');
    const [code] = await h.codesFor(UMA.email);
    const url = linkIn(await h.say('uma-reset', code!));
    expect((await submitNewPassword(h, url!, 'quiet orange lanterns drifting over snow')).status).toBe(200);
    await h.app.delivery.drain();
    expect(sentTo(UMA.phone)).toEqual([]);
    expect(sentTo(UMA.email).filter((m) => m.purpose === 'reset_notice')).toHaveLength(1);
  });

  it.each(['en', 'es'] as const)('says SMS is the weaker channel and offers email first (%s)', async (locale: Locale) => {
    const conv = `menu-${locale}`;
    await h.send(conv, { text: locale === 'es' ? 'olvidé mi clave' : 'I forgot my password', locale: `${locale}-US` });
    const [menu] = (await h.send(conv, { text: VAL.email, locale: `${locale}-US` })).filter((r) => r.type === 'message');
    expect(keysOf(locale, [menu!])).toEqual(['ask_channel']);
    const sentence = menu!.text!;
    console.log(`SECURITY 16 menu (${locale}): ${sentence}`);
    expect(sentence).toMatch(locale === 'es' ? /SMS\)? es el canal más débil/ : /SMS\)? are the weaker channel/);
    expect(sentence.search(locale === 'es' ? /correo/ : /[Ee]mail/)).toBeLessThan(sentence.search(/SMS/));
    const choices = (menu!.suggestedActions?.actions ?? []).map((a) => (a.value as { choice: Choice }).choice);
    expect(choices).toEqual(['channel_email', 'channel_alt_email', 'channel_sms']);
  });
});
