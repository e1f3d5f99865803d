// Someone who got a reset link and then says "cancel" or "start over" has stopped that recovery: the link
// they were given must stop working too, or a password changes in a journey the chat no longer follows
// (and the chat is never told, SECURITY.md 20).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCALES, SAYS, conversation, copy, play, proactiveLines, reach, startStory, type Harness } from '../story.js';

let h: Harness;
// Four journeys to Ana's inbox in one quarter hour, one more than the default send limit allows.
beforeAll(async () => {
  h = await startStory({ SENDS_PER_15_MINUTES: '10' });
});
afterAll(() => h.close());

/** What the browser gets when it opens a link. */
const openLink = async (url: string) => (await fetch(h.local(url), { headers: { 'sec-fetch-site': 'none' } })).status;

describe.each(LOCALES)('user cancels after getting the link (%s)', (locale) => {
  const { bot } = copy(locale);

  it('cancels, and the link they were given no longer opens the form', async () => {
    const conv = conversation('cancels-after-link', locale);
    const { url } = await reach(h, conv, locale, 'linkIssued');
    await play(h, conv, locale, [[SAYS.cancel[locale], [bot('cancelled', ['recover'])]]]);

    expect(await openLink(url!), 'the link of a cancelled journey').toBe(410);
    expect(proactiveLines(h, conv)).toEqual([]);
  });

  it('starts over, and the link from before no longer opens the form', async () => {
    const conv = conversation('starts-over-after-link', locale);
    const { url } = await reach(h, conv, locale, 'linkIssued');
    await play(h, conv, locale, [
      [locale === 'es' ? 'empezar de nuevo' : 'start over', [bot('starting_over'), bot('ask_identifier', ['agent'])]],
    ]);

    expect(await openLink(url!), 'the link from before starting over').toBe(410);
  });
});
