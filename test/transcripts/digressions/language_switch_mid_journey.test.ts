// Halfway through, the person asks for the other language: the bot switches, repeats the step it was at in
// that language (buttons relabelled), and the rest of the journey, reset page included, follows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locale } from '../../../machines/recovery.types.js';
import {
  CHANNEL_CHOICES,
  CODE_CHOICES,
  DANI,
  LOCALES,
  OPENERS,
  conversation,
  copy,
  expectResetLink,
  latestCode,
  play,
  press,
  startStory,
  type Harness,
} from '../story.js';

let h: Harness;
beforeAll(async () => {
  h = await startStory();
});
afterAll(() => h.close());

const other: Record<Locale, Locale> = { es: 'en', en: 'es' };
const askFor: Record<Locale, string> = { en: 'English please', es: 'español, por favor' };

describe.each(LOCALES)('language switch mid-journey (starting in %s)', (from) => {
  const to = other[from];

  it(`switches to ${to} at the channel menu and carries on in ${to}`, async () => {
    const conv = conversation('language-switch', from);
    const before = copy(from);
    const after = copy(to);

    await play(h, conv, from, [
      [OPENERS[from][2], [before.bot('ask_identifier', ['agent'])]],
      [DANI.email, [before.bot('ask_channel', CHANNEL_CHOICES)]],
      [askFor[to], [after.bot('language_switched'), after.bot('ask_channel', CHANNEL_CHOICES)]],
      [press('channel_email'), [after.bot('code_sent_email'), after.bot('ask_code', CODE_CHOICES)]],
    ]);
    const url = await expectResetLink(h, conv, to, () => latestCode(h, DANI.email), [after.bot('code_verified')]);

    // The code email and the reset page speak the new language too.
    const [codeEmail] = (h.app.outbox?.list() ?? []).filter((m) => m.to === DANI.email && m.purpose === 'code');
    expect(codeEmail?.subject).toBe(after.t('notify_code_subject'));
    const page = await fetch(h.local(url), { headers: { 'sec-fetch-site': 'none' } });
    expect(await page.text()).toContain(`<html lang="${to}">`);
  });
});
