// Ana comes back to the chat after her code's ten minutes are up: the right code is refused as expired
// (not as wrong), and a new one works. One second before the limit it still works.
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Locale } from '../../../machines/recovery.types.js';
import {
  ANA,
  CHANNEL_CHOICES,
  CODE_CHOICES,
  LOCALES,
  OPENERS,
  POLICY,
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
// Three sends per language on Ana's account, more than the default quarter-hour limit of three.
beforeAll(async () => {
  h = await startStory({ SENDS_PER_15_MINUTES: '10' });
});
afterAll(() => h.close());

const codeLifetime = POLICY.codeMinutes * 60_000;

async function waitForCode(conv: string, locale: Locale, opener: string): Promise<string> {
  const { bot } = copy(locale);
  await play(h, conv, locale, [
    [opener, [bot('ask_identifier', ['agent'])]],
    [ANA.email, [bot('ask_channel', CHANNEL_CHOICES)]],
    [press('channel_email'), [bot('code_sent_email'), bot('ask_code', CODE_CHOICES)]],
  ]);
  return latestCode(h, ANA.email);
}

describe.each(LOCALES)('expired code (%s)', (locale) => {
  const { bot } = copy(locale);

  it(`refuses the right code ${POLICY.codeMinutes} minutes and one second later as expired; a new code works`, async () => {
    const conv = conversation('expired-code', locale);
    const code = await waitForCode(conv, locale, OPENERS[locale][1]);
    h.clock.advance(codeLifetime + 1_000);
    await play(h, conv, locale, [
      [code, [bot('code_expired'), bot('ask_code', CODE_CHOICES)]],
      [press('resend'), [bot('resending'), bot('code_sent_email'), bot('ask_code', CODE_CHOICES)]],
    ]);
    await expectResetLink(h, conv, locale, () => latestCode(h, ANA.email), [bot('code_verified')]);
  });

  it('accepts the code one second before it expires', async () => {
    const conv = conversation('nearly-expired-code', locale);
    const code = await waitForCode(conv, locale, OPENERS[locale][2]);
    h.clock.advance(codeLifetime - 1_000);
    await expectResetLink(h, conv, locale, code, [bot('code_verified')]);
  });
});
