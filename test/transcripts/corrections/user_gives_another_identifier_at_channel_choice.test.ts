// At the channel menu the person notices a typo in the address they gave and types the right one: the bot
// looks it up again, shows the same menu, and the code goes to the corrected account only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ANA,
  CHANNEL_CHOICES,
  CODE_CHOICES,
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

describe.each(LOCALES)('user gives another identifier at the channel choice (%s)', (locale) => {
  it('corrects the address at the menu, and the code goes to the corrected account', async () => {
    const { bot } = copy(locale);
    const conv = conversation('another-identifier', locale);
    const typo = 'ana@exmaple.com';

    await play(h, conv, locale, [
      [OPENERS[locale][3], [bot('ask_identifier', ['agent'])]],
      [typo, [bot('ask_channel', CHANNEL_CHOICES)]],
      [ANA.email, [bot('ask_channel', CHANNEL_CHOICES)]],
      [press('channel_email'), [bot('code_sent_email'), bot('ask_code', CODE_CHOICES)]],
    ]);
    expect(await h.codesFor(typo)).toEqual([]);
    await expectResetLink(h, conv, locale, () => latestCode(h, ANA.email), [bot('code_verified')]);
  });
});
