// Dani can't get into his main inbox, so the code goes to the alternate email on his account.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHANNEL_CHOICES,
  CODE_CHOICES,
  DANI,
  LOCALES,
  OPENERS,
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
beforeAll(async () => {
  h = await startStory();
});
afterAll(() => h.close());

let currentPassword: string = DANI.password;

describe.each(LOCALES)('recovers by alternate email (%s)', (locale) => {
  it('identifies with the main email and gets the code at the alternate one', async () => {
    const { bot } = copy(locale);
    const conv = conversation('recovers-by-alternate-email', locale);
    const tv = await existingSession(h, DANI.email, currentPassword);
    const sentToMainBefore = (await h.codesFor(DANI.email)).length;

    await play(h, conv, locale, [
      [OPENERS[locale][2], [bot('ask_identifier', ['agent'])]],
      [DANI.email, [bot('ask_channel', CHANNEL_CHOICES)]],
      [press('channel_alt_email'), [bot('code_sent_alt_email'), bot('ask_code', CODE_CHOICES)]],
    ]);
    // The code went to the alternate address only.
    expect((await h.codesFor(DANI.email)).length).toBe(sentToMainBefore);
    const url = await expectResetLink(h, conv, locale, () => latestCode(h, DANI.altEmail), [bot('code_verified')]);

    const newPassword = newPassphrase(locale);
    await expectPasswordReset(h, { conversationId: conv, locale, url, identifier: DANI.email, oldPassword: currentPassword, newPassword, oldSession: tv });
    currentPassword = newPassword;
  });
});
