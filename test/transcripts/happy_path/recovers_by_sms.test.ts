// Ben types his phone number the way people do, gets the code by text message, then proves his second
// factor with the authenticator app before the reset link.
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  BEN,
  CHANNEL_CHOICES,
  CODE_CHOICES,
  LOCALES,
  OPENERS,
  SECOND_FACTOR_CHOICES,
  conversation,
  copy,
  existingSession,
  expectPasswordReset,
  expectResetLink,
  latestCode,
  newPassphrase,
  nextTotp,
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

let currentPassword: string = BEN.password;

describe.each(LOCALES)('recovers by SMS (%s)', (locale) => {
  it('gives a phone number with spaces, gets the code by SMS, then the authenticator code', async () => {
    const { bot } = copy(locale);
    const conv = conversation('recovers-by-sms', locale);
    const tv = await existingSession(h, BEN.email, currentPassword);

    await play(h, conv, locale, [
      [OPENERS[locale][1], [bot('ask_identifier', ['agent'])]],
      ['+1 415 555 0101', [bot('ask_channel', CHANNEL_CHOICES)]],
      [press('channel_sms'), [bot('code_sent_sms'), bot('ask_code', CODE_CHOICES)]],
      [() => latestCode(h, BEN.phone), [bot('code_verified'), bot('ask_second_factor', SECOND_FACTOR_CHOICES)]],
    ]);
    const url = await expectResetLink(h, conv, locale, () => nextTotp(h));

    const newPassword = newPassphrase(locale);
    await expectPasswordReset(h, { conversationId: conv, locale, url, identifier: BEN.email, oldPassword: currentPassword, newPassword, oldSession: tv });
    currentPassword = newPassword;
  });
});
