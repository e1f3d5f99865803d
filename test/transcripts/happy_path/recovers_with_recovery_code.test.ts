// Ben lost the phone with his authenticator: one of his recovery codes completes the second factor, and
// that recovery code never works again, not even in a new conversation.
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
  play,
  press,
  startStory,
  type Harness,
} from '../story.js';

let h: Harness;
// Each language runs two journeys on Ben's account (four codes in all), one more than the default of three
// sends per account per quarter hour; send limits have their own story, this one is about recovery codes.
beforeAll(async () => {
  h = await startStory({ SENDS_PER_15_MINUTES: '10' });
});
afterAll(() => h.close());

let currentPassword: string = BEN.password;

describe.each(LOCALES)('recovers with a recovery code (%s)', (locale) => {
  const { bot } = copy(locale);
  const recoveryCode = BEN.recoveryCodes[locale === 'es' ? 0 : 1];

  const upToSecondFactor = (opener: string) =>
    [
      [opener, [bot('ask_identifier', ['agent'])]],
      [BEN.email, [bot('ask_channel', CHANNEL_CHOICES)]],
      [press('channel_email'), [bot('code_sent_email'), bot('ask_code', CODE_CHOICES)]],
      [() => latestCode(h, BEN.email), [bot('code_verified'), bot('ask_second_factor', SECOND_FACTOR_CHOICES)]],
      [press('use_recovery_code'), [bot('ask_recovery_code')]],
    ] as const;

  it('uses a recovery code instead of the authenticator and resets', async () => {
    const conv = conversation('recovers-with-recovery-code', locale);
    const tv = await existingSession(h, BEN.email, currentPassword);

    await play(h, conv, locale, upToSecondFactor(OPENERS[locale][0]));
    const url = await expectResetLink(h, conv, locale, recoveryCode);

    const newPassword = newPassphrase(locale);
    await expectPasswordReset(h, { conversationId: conv, locale, url, identifier: BEN.email, oldPassword: currentPassword, newPassword, oldSession: tv });
    currentPassword = newPassword;
  });

  it('refuses the same recovery code the second time, in a new conversation', async () => {
    const conv = conversation('recovery-code-reused', locale);
    await play(h, conv, locale, [
      ...upToSecondFactor(OPENERS[locale][1]),
      // Typed the way people copy it from paper: lower case, spaces instead of dashes.
      [recoveryCode.toLowerCase().replaceAll('-', ' '), [bot('second_factor_wrong'), bot('ask_second_factor', SECOND_FACTOR_CHOICES)]],
    ]);
  });
});
