// Someone hammers one account with wrong codes across conversations. After ten failures in an hour,
// self-service recovery pauses for that account (even the right code is refused, a new conversation too),
// the owner is told once, normal sign-in still works, and a person is offered and reached.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locale } from '../../../machines/recovery.types.js';
import {
  ANA,
  CHANNEL_CHOICES,
  CODE_CHOICES,
  DANI,
  LOCALES,
  OPENERS,
  POLICY,
  SAYS,
  conversation,
  copy,
  latestCode,
  play,
  press,
  signIn,
  startStory,
  wrongCodeFor,
  type Harness,
  type Step,
} from '../story.js';

let h: Harness;
// The growing delays between tries (SECURITY.md 9, test/security/09) are off: this story is about the hard
// limit, reached by wrong codes typed back to back.
beforeAll(async () => {
  h = await startStory({ ATTEMPT_DELAYS_SECONDS: '0' });
});
afterAll(() => h.close());

// A lockout lasts an hour, so each language locks a different account.
const target: Record<Locale, { id: string; email: string; password: string }> = {
  es: { id: 'acct-ana', ...ANA },
  en: { id: 'acct-dani', ...DANI },
};

describe.each(LOCALES)('lockout offers a person (%s)', (locale) => {
  it(`locks self-service after ${POLICY.accountFailuresPerHour} wrong codes across conversations and hands over`, async () => {
    const { bot } = copy(locale);
    const account = target[locale];
    const upToCode = (opener: string): Step[] => [
      [opener, [bot('ask_identifier', ['agent'])]],
      [account.email, [bot('ask_channel', CHANNEL_CHOICES)]],
      [press('channel_email'), [bot('code_sent_email'), bot('ask_code', CODE_CHOICES)]],
    ];
    const wrong = (n: number, code: string): Step[] =>
      Array.from({ length: n }, () => [wrongCodeFor(code), [bot('code_wrong'), bot('ask_code', CODE_CHOICES)]] as const);

    // First conversation: every try this code allows, all wrong.
    const first = conversation('lockout-1', locale);
    await play(h, first, locale, upToCode(OPENERS[locale][0]));
    const firstCode = await latestCode(h, account.email);
    await play(h, first, locale, [
      ...wrong(POLICY.codeMaxTries - 1, firstCode),
      [wrongCodeFor(firstCode), [bot('code_exhausted'), bot('ask_code', CODE_CHOICES)]],
    ]);

    // Second conversation: the failure that reaches the limit locks the account; the right code is no use.
    const second = conversation('lockout-2', locale);
    await play(h, second, locale, upToCode(OPENERS[locale][1]));
    const code = await latestCode(h, account.email);
    const remaining = POLICY.accountFailuresPerHour - POLICY.codeMaxTries;
    await play(h, second, locale, [
      ...wrong(remaining - 1, code),
      [wrongCodeFor(code), [bot('locked_out', ['agent'])]],
      [code, [bot('locked_out', ['agent'])]],
    ]);

    // A new conversation is paused too, as soon as it would send a code.
    const third = conversation('lockout-3', locale);
    await play(h, third, locale, [
      [OPENERS[locale][2], [bot('ask_identifier', ['agent'])]],
      [account.email, [bot('ask_channel', CHANNEL_CHOICES)]],
      [press('channel_email'), [bot('locked_out', ['agent'])]],
      // The person hears their place in line; the Spanish story's person is still waiting when the English one asks.
      [SAYS.agent[locale], [bot('handoff_started', ['cancel']), bot('handoff_queue_no_estimate', ['cancel'], { position: LOCALES.indexOf(locale) + 1 })]],
    ]);
    const handoffs = h.audit.entries().filter((e) => e.event === 'handoff' && e.conversationId === third);
    expect(handoffs.map((e) => e.outcome)).toEqual(['locked_out']);

    // The owner heard about it once, and can still sign in normally (SECURITY.md 8, 11).
    await h.app.delivery.drain();
    const notices = (h.app.outbox?.list() ?? []).filter((m) => m.to === account.email && m.purpose === 'lockout_notice');
    expect(notices).toHaveLength(1);
    expect((await signIn(h, account.email, account.password)).status).toBe(200);
  });
});
