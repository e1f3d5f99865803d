// Before a person takes over, the bot asks the last four digits of the card on file and the billing postal
// code, each skippable, and tells the agent only whether they matched. The answers never reach the agent, the
// transcript or the packet; a wrong format gets a hint in the person's language; and an identifier that
// matches no account gets byte-identical questions and replies (SECURITY.md 1-2).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { visible } from '../../security/helpers.js';
import {
  ANA,
  BEN,
  CHANNEL_CHOICES,
  LOCALES,
  OPENERS,
  OWNER_ANSWERS,
  OWNER_CHOICES,
  SAYS,
  act,
  conversation,
  copy,
  line,
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

const packetOf = async (conv: string) => (await h.app.handoff.caseFor(conv, 'story-agent'))!.packet;
const { ana, ben } = OWNER_ANSWERS;

describe.each(LOCALES)('owner identification before a person (%s)', (locale) => {
  const { bot } = copy(locale);
  const inLine = [bot('handoff_started', ['cancel']), line(locale, 'handoff_queue_no_estimate', ['cancel'], { position: 1 })];
  const toQuestions = (identifier: string) =>
    [
      [OPENERS[locale][1], [bot('ask_identifier', ['agent'])]],
      [identifier, [bot('ask_channel', CHANNEL_CHOICES)]],
      [SAYS.agent[locale], [bot('ask_card_last4', OWNER_CHOICES)]],
    ] as const;

  it('the right card digits and postal code reach the agent as "matched", and nothing of them is kept', async () => {
    const conv = conversation('owner-matched', locale);
    await play(h, conv, locale, [
      ...toQuestions(ANA.email),
      // The whole card number is refused politely; the last four, with spaces, are fine.
      ['4242 4242 4242 4242', [bot('card_last4_hint', OWNER_CHOICES)]],
      ['cuatro', [bot('card_last4_hint', OWNER_CHOICES)]],
      [` ${ana.cardLast4.slice(0, 2)} ${ana.cardLast4.slice(2)} `, [bot('ask_postal_code', OWNER_CHOICES)]],
      ['12', [bot('postal_code_hint', OWNER_CHOICES)]],
      [`${ana.postalCode.slice(0, 2)} ${ana.postalCode.slice(2)}`, inLine],
    ]);
    const packet = await packetOf(conv);
    expect(packet.ownerIdentification).toEqual({ paymentDetails: 'matched', securityQuestion: 'off' });
    expect(packet.transcript.map((turn) => turn.person).slice(-5)).toEqual(Array(5).fill({ withheld: 'answer' }));
    const raw = JSON.stringify(packet);
    for (const secret of ['4242', '28013', '28 013']) expect(raw).not.toContain(secret);
    await act(h, conv, locale, press('cancel'));
  });

  it('wrong ones reach the agent as "not matched", with the same replies as right ones', async () => {
    const conv = conversation('owner-wrong', locale);
    await play(h, conv, locale, [...toQuestions(BEN.email), [ana.cardLast4, [bot('ask_postal_code', OWNER_CHOICES)]], [ana.postalCode, inLine]]);
    expect((await packetOf(conv)).ownerIdentification).toEqual({ paymentDetails: 'not_matched', securityQuestion: 'off' });
    await vi.waitFor(() => {
      const wrong = h.audit.entries().filter((e) => e.conversationId === conv && e.event === 'owner_check');
      expect(wrong).toEqual([expect.objectContaining({ accountId: 'acct-ben', outcome: 'wrong', channel: 'chat' })]);
    });
    await act(h, conv, locale, press('cancel'));
  });

  it('skipping (by button or in words) reaches the agent as "skipped", and skipping the card skips its postal code', async () => {
    const byButton = conversation('owner-skip', locale);
    await play(h, byButton, locale, [...toQuestions(BEN.email), [press('skip'), inLine]]);
    expect((await packetOf(byButton)).ownerIdentification).toEqual({ paymentDetails: 'skipped', securityQuestion: 'off' });
    await act(h, byButton, locale, press('cancel'));

    const inWords = conversation('owner-skip-words', locale);
    await play(h, inWords, locale, [...toQuestions(BEN.email), [ben.cardLast4, [bot('ask_postal_code', OWNER_CHOICES)]], [locale === 'es' ? 'omitir' : 'skip', inLine]]);
    expect((await packetOf(inWords)).ownerIdentification).toEqual({ paymentDetails: 'skipped', securityQuestion: 'off' });
    await act(h, inWords, locale, press('cancel'));
  });

  it('"talk to a person" goes straight there, and "cancel" goes back to the step', async () => {
    const straight = conversation('owner-straight', locale);
    await play(h, straight, locale, [...toQuestions(ANA.email), [press('agent'), inLine]]);
    expect((await packetOf(straight)).ownerIdentification.paymentDetails).toBe('skipped');
    await act(h, straight, locale, press('cancel'));

    const back = conversation('owner-cancel', locale);
    await play(h, back, locale, [
      ...toQuestions(ANA.email),
      [SAYS.cancel[locale], [bot('handoff_cancelled'), bot('ask_channel', CHANNEL_CHOICES)]],
    ]);
  });

  it('an identifier that matches no account gets byte-identical questions and replies', async () => {
    const run = async (story: string, identifier: string) => {
      const conv = conversation(story, locale);
      const said = [OPENERS[locale][2], identifier, SAYS.agent[locale], ana.cardLast4, ana.postalCode];
      const replies: string[] = [];
      for (const text of said) {
        // The identifier is the one thing the two runs type differently; nothing else may differ.
        replies.push(...(await h.send(conv, { text, locale: locale === 'es' ? 'es-ES' : 'en-US' })).map((r) => visible(r, conv).replaceAll(identifier, '<identifier>')));
      }
      await act(h, conv, locale, press('cancel'));
      return { conv, replies };
    };
    const known = await run('owner-known', ANA.email);
    const unknown = await run('owner-unknown', `nobody-${locale}@example.com`);
    expect(unknown.replies).toEqual(known.replies);
    expect(known.replies.join('\n')).toContain(JSON.stringify(line(locale, 'ask_postal_code').text).slice(1, -1));
  });
});

describe('no subject, or owner checks turned off', () => {
  it('asks nothing when the person has not said who they are', async () => {
    const conv = conversation('owner-nobody', 'en');
    const { bot } = copy('en');
    await play(h, conv, 'en', [
      [OPENERS.en[0], [bot('ask_identifier', ['agent'])]],
      [SAYS.agent.en, [bot('handoff_started', ['cancel']), line('en', 'handoff_queue_no_estimate', ['cancel'], { position: 1 })]],
    ]);
    expect((await packetOf(conv)).ownerIdentification).toEqual({ paymentDetails: 'not_asked', securityQuestion: 'not_asked' });
    await act(h, conv, 'en', press('cancel'));
  });

  it('with OWNER_CHECK=off a handoff goes straight to the person', async () => {
    const off = await startStory({ OWNER_CHECK: 'off' });
    try {
      const conv = conversation('owner-off', 'en');
      const { bot } = copy('en');
      await play(off, conv, 'en', [
        [OPENERS.en[0], [bot('ask_identifier', ['agent'])]],
        [ANA.email, [bot('ask_channel', CHANNEL_CHOICES)]],
        [SAYS.agent.en, [bot('handoff_started', ['cancel']), line('en', 'handoff_queue_no_estimate', ['cancel'], { position: 1 })]],
      ]);
      expect((await off.app.handoff.caseFor(conv, 'story-agent'))!.packet.ownerIdentification).toEqual({ paymentDetails: 'off', securityQuestion: 'off' });
    } finally {
      await off.close();
    }
  });
});
