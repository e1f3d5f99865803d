// Someone leaves the chat halfway and comes back later. Past the idle limit the bot says it started over
// (in the conversation's language) and handles the new message from the beginning; before it, the journey
// carries on where it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CODE_CHOICES,
  DANI,
  LOCALES,
  OPENERS,
  POLICY,
  act,
  conversation,
  copy,
  expectResetLink,
  latestCode,
  linesOf,
  play,
  reach,
  startStory,
  type Harness,
} from '../story.js';

let h: Harness;
// Six codes to Dani's inbox in all; whether they fall in one quarter hour depends on the order the tests
// run in, so the send limit is lifted rather than relied on.
beforeAll(async () => {
  h = await startStory({ SENDS_PER_15_MINUTES: '10' });
});
afterAll(() => h.close());

const minutes = (n: number) => n * 60_000;

describe.each(LOCALES)('idle conversation starts over (%s)', (locale) => {
  const { bot } = copy(locale);

  it(`starts over after ${POLICY.idleMinutes + 1} idle minutes and handles the new message fresh`, async () => {
    const conv = conversation('idle-starts-over', locale);
    await reach(h, conv, locale, 'awaitingCode');
    h.clock.advance(minutes(POLICY.idleMinutes + 1));
    await play(h, conv, locale, [[OPENERS[locale][3], [bot('timed_out'), bot('ask_identifier', ['agent'])]]]);
  });

  it('starts over when the person comes back with the code, and does not take it', async () => {
    const conv = conversation('idle-with-code', locale);
    await reach(h, conv, locale, 'awaitingCode');
    const code = await latestCode(h, DANI.email);
    h.clock.advance(minutes(POLICY.idleMinutes + 1));
    const lines = linesOf(await act(h, conv, locale, code));
    expect(lines[0]).toEqual(bot('timed_out'));
    expect(lines).not.toContainEqual(bot('code_verified'));
    expect(h.audit.entries().filter((e) => e.conversationId === conv && e.event === 'code_verified')).toEqual([]);
  });

  it(`carries on after ${POLICY.idleMinutes - 1} idle minutes`, async () => {
    const conv = conversation('idle-carries-on', locale);
    await reach(h, conv, locale, 'chooseChannel');
    h.clock.advance(minutes(POLICY.idleMinutes - 1));
    await play(h, conv, locale, [[{ choice: 'channel_email' }, [bot('code_sent_email'), bot('ask_code', CODE_CHOICES)]]]);
    await expectResetLink(h, conv, locale, () => latestCode(h, DANI.email), [bot('code_verified')]);
  });
});
