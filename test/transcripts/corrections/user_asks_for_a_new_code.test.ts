// Ana's code is taking a while, so she asks for a new one. The old code stops working, the new one works.
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
// Two sends per language on Ana's account (four in all): one more than the default quarter-hour limit.
beforeAll(async () => {
  h = await startStory({ SENDS_PER_15_MINUTES: '10' });
});
afterAll(() => h.close());

const newCodePlease = { es: 'mándame otro código', en: 'send me a new code' } as const;

describe.each(LOCALES)('user asks for a new code (%s)', (locale) => {
  it('gets a new code; the old one then fails and the new one works', async () => {
    const { bot } = copy(locale);
    const conv = conversation('asks-for-new-code', locale);

    await play(h, conv, locale, [
      [OPENERS[locale][2], [bot('ask_identifier', ['agent'])]],
      [ANA.email, [bot('ask_channel', CHANNEL_CHOICES)]],
      [press('channel_email'), [bot('code_sent_email'), bot('ask_code', CODE_CHOICES)]],
    ]);
    const oldCode = await latestCode(h, ANA.email);
    await play(h, conv, locale, [[newCodePlease[locale], [bot('resending'), bot('code_sent_email'), bot('ask_code', CODE_CHOICES)]]]);
    const newCode = await latestCode(h, ANA.email);
    expect(newCode).not.toBe(oldCode); // one in a million; a clash would make the next step meaningless

    await play(h, conv, locale, [[oldCode, [bot('code_wrong'), bot('ask_code', CODE_CHOICES)]]]);
    await expectResetLink(h, conv, locale, newCode, [bot('code_verified')]);
  });
});
