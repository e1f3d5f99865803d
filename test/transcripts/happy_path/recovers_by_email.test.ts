// Ana forgot her password: she gives her email, gets a code there, and sets a new password on the page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ANA,
  CHANNEL_CHOICES,
  CODE_CHOICES,
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

// Both languages reset the same account, one after the other: each starts from the password the last one set.
let currentPassword: string = ANA.password;

describe.each(LOCALES)('recovers by email (%s)', (locale) => {
  it('gets a code by email, sets a new password on the page and is told in the chat', async () => {
    const { bot } = copy(locale);
    const conv = conversation('recovers-by-email', locale);
    const tv = await existingSession(h, ANA.email, currentPassword);

    await play(h, conv, locale, [
      [OPENERS[locale][0], [bot('ask_identifier', ['agent'])]],
      [ANA.email, [bot('ask_channel', CHANNEL_CHOICES)]],
      [press('channel_email'), [bot('code_sent_email'), bot('ask_code', CODE_CHOICES)]],
    ]);
    const url = await expectResetLink(h, conv, locale, () => latestCode(h, ANA.email), [bot('code_verified')]);

    const newPassword = newPassphrase(locale);
    await expectPasswordReset(h, {
      conversationId: conv,
      locale,
      url,
      identifier: ANA.email,
      oldPassword: currentPassword,
      newPassword,
      oldSession: tv,
    });
    currentPassword = newPassword;

    // The audit tells the same story, in order, with the account id and never an address (SECURITY.md 26).
    const trail = h.audit.entries().filter((e) => e.conversationId === conv);
    expect(trail.map((e) => e.event)).toEqual(['identify', 'code_sent', 'code_verified', 'reset_link_issued', 'reset_completed']);
    expect(trail.every((e) => e.accountId === 'acct-ana')).toBe(true);
    expect(JSON.stringify(trail)).not.toContain(ANA.email);
  });
});
