// Nobody can learn from the chat whether an account exists or which channels it has (SECURITY.md A.1, A.2):
// up to and including a wrong code, every activity the bot sends (text, buttons, typing) is the same for an
// existing account, a missing one, and an account without the chosen channel.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Choice, Locale } from '../../../machines/recovery.types.js';
import { ANA, BEN, CARLA, LOCALES, OPENERS, act, conversation, copy, linesOf, press, startStory, type Harness, type Reply } from '../story.js';

let h: Harness;
// Ana goes through twice per language (email, then SMS): more sends than the default quarter-hour limit,
// which would hold her codes back and make her look like a missing account for the wrong reason.
beforeAll(async () => {
  h = await startStory({ SENDS_PER_15_MINUTES: '10' });
});
afterAll(() => h.close());

interface Journey {
  who: string;
  identifier: string;
  /** Where a real code would go, when the account has the chosen channel. */
  destination: string | null;
}

/** An activity as the person's client sees it, without what only names this conversation. */
function visible(reply: Reply, conversationId: string): string {
  const { replyToId: _reply, ...rest } = reply;
  return JSON.stringify(rest).replaceAll(conversationId, '<conversation>');
}

/** Runs every journey side by side; returns each one's visible transcript, step by step. */
async function transcripts(locale: Locale, channel: Choice, journeys: Journey[]): Promise<string[][]> {
  const runs = journeys.map((j) => ({ ...j, conv: conversation(`identical-${j.who}`, locale), seen: [] as string[] }));
  const step = async (said: (run: (typeof runs)[number]) => Parameters<typeof act>[3]) => {
    for (const run of runs) for (const reply of await act(h, run.conv, locale, said(run))) run.seen.push(visible(reply, run.conv));
  };
  await step(() => OPENERS[locale][0]);
  await step((run) => run.identifier);
  await step(() => press(channel));

  // A code none of them was sent, typed by everyone; real codes went out where there is a destination.
  const sent = await Promise.all(runs.map(async (run) => (run.destination ? (await h.codesFor(run.destination))[0] : undefined)));
  for (const [i, run] of runs.entries()) if (run.destination) expect(sent[i], `${run.who} was really sent a code`).toBeDefined();
  const wrong = ['000000', '111111', '222222'].find((c) => !sent.includes(c))!;
  await step(() => wrong);
  return runs.map((run) => run.seen);
}

describe.each(LOCALES)('unknown account gets an identical transcript (%s)', (locale) => {
  const { bot } = copy(locale);

  it('nadie@example.com gets exactly what ana@example.com gets, up to a wrong code', async () => {
    const [ana, nobody] = await transcripts(locale, 'channel_email', [
      { who: 'ana', identifier: ANA.email, destination: ANA.email },
      { who: 'nobody', identifier: 'nadie@example.com', destination: null },
    ]);
    expect(nobody).toEqual(ana);
    // And it is the real journey, not two identical error screens.
    expect(ana!.some((a) => a.includes(JSON.stringify(bot('code_wrong').text)))).toBe(true);
  });

  it('a phone-only account choosing email gets what an account with email and an unknown number get', async () => {
    const [carla, ben, nobody] = await transcripts(locale, 'channel_email', [
      { who: 'carla-phone-only', identifier: CARLA.phone, destination: null },
      { who: 'ben-by-phone', identifier: '+1 415 555 0101', destination: BEN.email },
      { who: 'unknown-number', identifier: '+34 600 999 888', destination: null },
    ]);
    expect(carla).toEqual(ben);
    expect(nobody).toEqual(ben);
  });

  it('an account without a phone choosing SMS gets what an account with a verified phone gets', async () => {
    const [ana, ben, nobody] = await transcripts(locale, 'channel_sms', [
      { who: 'ana-no-phone', identifier: ANA.email, destination: null },
      { who: 'ben-with-phone', identifier: BEN.email, destination: BEN.phone },
      { who: 'nobody', identifier: 'nadie@example.com', destination: null },
    ]);
    expect(ana).toEqual(ben);
    expect(nobody).toEqual(ben);
  });

  it('shows the same messages and buttons it shows everyone', async () => {
    // A spot check of what the identical transcripts contain: the real menu and prompts, in this language.
    const conv = conversation('identical-check', locale);
    await act(h, conv, locale, OPENERS[locale][0]);
    expect(linesOf(await act(h, conv, locale, 'nadie@example.com'))).toEqual([
      bot('ask_channel', ['channel_email', 'channel_alt_email', 'channel_sms']),
    ]);
  });
});
