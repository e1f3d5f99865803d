// Keyboard mashing, stray punctuation: the bot says it didn't understand, in the person's language, and
// tells them what it can do next instead of leaving them at a dead end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCALES, OPENERS, conversation, copy, linesOf, act, play, startStory, type Harness } from '../story.js';

let h: Harness;
beforeAll(async () => {
  h = await startStory();
});
afterAll(() => h.close());

const GIBBERISH = ['asdfghjkl', '???'] as const;

describe.each(LOCALES)('gibberish gets a clear answer (%s)', (locale) => {
  const { bot } = copy(locale);

  it.each(GIBBERISH)('answers "%s" as a first message in the browser’s language', async (gibberish) => {
    const conv = conversation('gibberish-first-language', locale);
    const [first] = linesOf(await act(h, conv, locale, gibberish));
    expect(first?.text).toBe(bot('not_understood').text);
  });

  it.each(GIBBERISH)('after "%s" as a first message, offers what it can do', async (gibberish) => {
    const conv = conversation('gibberish-first-offer', locale);
    await play(h, conv, locale, [[gibberish, [bot('not_understood'), bot('welcome_prompt', ['recover', 'agent'])]]]);
  });

  it('answers gibberish mid-journey by asking the same question again', async () => {
    const conv = conversation('gibberish-mid-journey', locale);
    await play(h, conv, locale, [
      [OPENERS[locale][2], [bot('ask_identifier', ['agent'])]],
      [GIBBERISH[0], [bot('not_understood'), bot('ask_identifier', ['agent'])]],
    ]);
  });
});
