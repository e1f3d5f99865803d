// Ben has two-step verification: the email code alone is not enough, the authenticator code completes it.
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

describe.each(LOCALES)('recovers with the authenticator (%s)', (locale) => {
  it('verifies the email code, then the authenticator code, then resets', async () => {
    const { bot } = copy(locale);
    const conv = conversation('recovers-with-authenticator', locale);
    const tv = await existingSession(h, BEN.email, currentPassword);

    await play(h, conv, locale, [
      [OPENERS[locale][3], [bot('ask_identifier', ['agent'])]],
      [BEN.email, [bot('ask_channel', CHANNEL_CHOICES)]],
      [press('channel_email'), [bot('code_sent_email'), bot('ask_code', CODE_CHOICES)]],
      [() => latestCode(h, BEN.email), [bot('code_verified'), bot('ask_second_factor', SECOND_FACTOR_CHOICES)]],
    ]);
    const url = await expectResetLink(h, conv, locale, () => nextTotp(h));

    const newPassword = newPassphrase(locale);
    await expectPasswordReset(h, { conversationId: conv, locale, url, identifier: BEN.email, oldPassword: currentPassword, newPassword, oldSession: tv });
    currentPassword = newPassword;
  });
});
