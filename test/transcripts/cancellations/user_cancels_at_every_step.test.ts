// Wherever the bot is waiting for the person, "cancel" ends the journey with the same message, and the next
// message starts a new one from the beginning.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { LOCALES, OPENERS, SAYS, WAITING_STATES, conversation, copy, play, reach, startStory, type Harness } from '../story.js';

let h: Harness;
beforeAll(async () => {
  h = await startStory();
});
afterAll(() => h.close());

describe.each(LOCALES)('user cancels at every step (%s)', (locale) => {
  const { bot } = copy(locale);

  it.each(WAITING_STATES)('cancels at %s, and the next message starts fresh', async (state) => {
    const conv = conversation(`cancels-at-${state}`, locale);
    await reach(h, conv, locale, state);
    await play(h, conv, locale, [
      [SAYS.cancel[locale], [bot('cancelled', ['recover'])]],
      [OPENERS[locale][1], [bot('ask_identifier', ['agent'])]],
    ]);
  });
});
