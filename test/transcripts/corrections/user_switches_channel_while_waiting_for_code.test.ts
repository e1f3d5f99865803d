// Dani asked for the code by email, then remembers he can't open that inbox: he asks for another channel
// while the bot waits for the code. The first code dies with the switch; the new one works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
// Two sends per language on Dani's account (four in all): one more than the default quarter-hour limit.
beforeAll(async () => {
  h = await startStory({ SENDS_PER_15_MINUTES: '10' });
});
afterAll(() => h.close());

const switchPlease = { es: 'mejor mándalo a mi otro correo', en: 'send it to my other email instead' } as const;

describe.each(LOCALES)('user switches channel while waiting for the code (%s)', (locale) => {
  it('asks for another channel, gets the code at the alternate email, and the first code is dead', async () => {
    const { bot } = copy(locale);
    const conv = conversation('switches-channel', locale);
    let firstCode = '';

    await play(h, conv, locale, [
      [OPENERS[locale][0], [bot('ask_identifier', ['agent'])]],
      [DANI.email, [bot('ask_channel', CHANNEL_CHOICES)]],
      [press('channel_email'), [bot('code_sent_email'), bot('ask_code', CODE_CHOICES)]],
      [switchPlease[locale], [bot('ask_channel', CHANNEL_CHOICES)]],
      [press('channel_alt_email'), [bot('code_sent_alt_email'), bot('ask_code', CODE_CHOICES)]],
      // The email code was the right one a moment ago; the switch replaced it.
      [async () => (firstCode = await latestCode(h, DANI.email)), [bot('code_wrong'), bot('ask_code', CODE_CHOICES)]],
    ]);
    const secondCode = await latestCode(h, DANI.altEmail);
    expect(secondCode).not.toBe(firstCode); // one in a million; a clash would make the step above meaningless
    await expectResetLink(h, conv, locale, secondCode, [bot('code_verified')]);
  });
});
