// Ana is puzzled at every step and says so ("huh?", "¿mande?"). Each time she gets the explanation of what the bot
// does and the same prompt again: puzzlement is never taken for a yes, never counts as an answer it could not use,
// and the code she was sent still works.
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Locale } from '../../../machines/recovery.types.js';
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
beforeAll(async () => {
  h = await startStory();
});
afterAll(() => h.close());

const puzzled: Record<Locale, [string, string, string, string]> = {
  es: ['¿mande?', '¿perdón?', '¿eh?', '¿qué?'],
  en: ['huh?', 'what?', 'huh', 'come again?'],
};

describe.each(LOCALES)('a puzzled person gets help and keeps their place (%s)', (locale) => {
  it('explains and asks the same thing again at the menu, the identifier, the channel and the code', async () => {
    const { bot } = copy(locale);
    const conv = conversation('puzzled', locale);
    const [atMenu, atIdentifier, atChannel, atCode] = puzzled[locale];
    await play(h, conv, locale, [
      // The very first message: help, not a recovery started as if it had been "yes".
      [atMenu, [bot('help'), bot('welcome_prompt', ['recover', 'agent'])]],
      [OPENERS[locale][0], [bot('ask_identifier', ['agent'])]],
      [atIdentifier, [bot('help'), bot('ask_identifier', ['agent'])]],
      [ANA.email, [bot('ask_channel', CHANNEL_CHOICES)]],
      [atChannel, [bot('help'), bot('ask_channel', CHANNEL_CHOICES)]],
      [press('channel_email'), [bot('code_sent_email'), bot('ask_code', CODE_CHOICES)]],
      [atCode, [bot('help'), bot('ask_code', CODE_CHOICES)]],
    ]);
    await expectResetLink(h, conv, locale, () => latestCode(h, ANA.email), [bot('code_verified')]);
  });
});
