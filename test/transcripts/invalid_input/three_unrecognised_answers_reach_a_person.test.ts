// The bot asks for the email or phone and gets answers it can't use. It asks again twice, then a person
// takes over instead of asking a fourth time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locale } from '../../../machines/recovery.types.js';
import { LOCALES, OPENERS, conversation, copy, play, startStory, type Harness } from '../story.js';

let h: Harness;
beforeAll(async () => {
  h = await startStory();
});
afterAll(() => h.close());

const puzzled: Record<Locale, [string, string, string]> = {
  es: ['ni idea', 'bla bla', 'zzz'],
  en: ['no idea', 'blah', 'zzz'],
};

describe.each(LOCALES)('three unrecognised answers reach a person (%s)', (locale) => {
  it('asks again after the first two, and hands over on the third', async () => {
    const { bot } = copy(locale);
    const conv = conversation('three-unrecognised', locale);
    const [first, second, third] = puzzled[locale];

    await play(h, conv, locale, [
      [OPENERS[locale][1], [bot('ask_identifier', ['agent'])]],
      [first, [bot('not_understood'), bot('ask_identifier', ['agent'])]],
      [second, [bot('not_understood'), bot('ask_identifier', ['agent'])]],
      // Handed over, and told their place in line (the Spanish story's person is still waiting when the English one is).
      [third, [bot('handoff_started', ['cancel']), bot('handoff_queue_no_estimate', ['cancel'], { position: LOCALES.indexOf(locale) + 1 })]],
    ]);
    const handoffs = h.audit.entries().filter((e) => e.event === 'handoff' && e.conversationId === conv);
    expect(handoffs.map((e) => e.outcome)).toEqual(['not_understood']);
  });
});
