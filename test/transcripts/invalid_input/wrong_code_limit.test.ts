// Someone types wrong codes: after five wrong tries the code is dead, even the right one is refused, and a
// new code is the way on.
import { afterAll, beforeAll, describe, it } from 'vitest';
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
  wrongCodeFor,
  type Step,
  type Harness,
} from '../story.js';

let h: Harness;
// Both languages use Ana's account: five failures each would reach the account lockout (ten an hour) and
// four sends pass the quarter-hour limit. Lockout has its own story; this one is about a single code.
// The growing delays between tries (SECURITY.md 9, test/security/09) are off so the tries come back to back.
beforeAll(async () => {
  h = await startStory({ ACCOUNT_FAILURES_PER_HOUR: '20', SENDS_PER_15_MINUTES: '10', ATTEMPT_DELAYS_SECONDS: '0' });
});
afterAll(() => h.close());

describe.each(LOCALES)('wrong code limit (%s)', (locale) => {
  it(`refuses the right code after ${POLICY.codeMaxTries} wrong ones, and a new code works`, async () => {
    const { bot } = copy(locale);
    const conv = conversation('wrong-code-limit', locale);

    await play(h, conv, locale, [
      [OPENERS[locale][0], [bot('ask_identifier', ['agent'])]],
      [ANA.email, [bot('ask_channel', CHANNEL_CHOICES)]],
      [press('channel_email'), [bot('code_sent_email'), bot('ask_code', CODE_CHOICES)]],
    ]);
    const code = await latestCode(h, ANA.email);
    // Every wrong try but the last says "doesn't match"; the last one says the code is now dead.
    const wrongTries: Step[] = Array.from({ length: POLICY.codeMaxTries }, (_, i) => [
      wrongCodeFor(code),
      [bot(i + 1 < POLICY.codeMaxTries ? 'code_wrong' : 'code_exhausted'), bot('ask_code', CODE_CHOICES)],
    ]);
    await play(h, conv, locale, [
      ...wrongTries,
      // The right code no longer works: it died with the last wrong try.
      [code, [bot('code_wrong'), bot('ask_code', CODE_CHOICES)]],
      [press('resend'), [bot('resending'), bot('code_sent_email'), bot('ask_code', CODE_CHOICES)]],
    ]);
    await expectResetLink(h, conv, locale, () => latestCode(h, ANA.email), [bot('code_verified')]);
  });
});
