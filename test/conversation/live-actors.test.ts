// Charts kept running between turns (src/conversation/engine.ts) change what a turn costs, never what it does:
// the same journey played once with the live chart and once restored from the store every turn leaves the same
// records and gets the same replies; a write by anyone else makes the live chart step aside.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { text } from '../../dialogs/catalog.js';
import { ConversationStore } from '../../src/conversation/conversation-store.js';
import { MemoryStore } from '../../src/stores/kv-store.js';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { startHarness, type Harness } from '../helpers/bot-harness.js';

const defaults = loadConfig({ PORT: '0' });
const say = (key: string) =>
  text('en', key, { brand: defaults.brandName, minutes: defaults.policy.codeTtlMs / 60_000, digits: defaults.policy.codeDigits });

const stored = (h: Harness) => new ConversationStore(h.app.store, 3600_000);

/** Writes the record back unchanged: its version moves on, as when another instance takes a turn. */
async function touch(h: Harness, conversationId: string): Promise<void> {
  const { record, version } = await stored(h).load(conversationId);
  if (record) await stored(h).save(conversationId, record, version);
}

/** The record as stored, with the conversation's id taken out so two conversations can be compared. */
async function recordOf(h: Harness, conversationId: string): Promise<string> {
  const { record } = await stored(h).load(conversationId);
  // The channel's activity id in the kept reference differs by conversation (the harness numbers every activity).
  return JSON.stringify(record).replaceAll(conversationId, '<conversation>').replace(/"activityId":"[^"]*"/, '');
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe('live charts between turns', () => {
  it('leave the same records and replies as restoring every turn, through a whole recovery and a new one', async () => {
    const live = `live-${Date.now()}`;
    const restored = `restored-${Date.now()}`;
    const steps: [string, string | { choice: string }][] = [
      ['opener', 'olvidé mi contraseña'],
      ['unrecognised', 'asdf qwer'],
      ['email', 'ana@example.com'],
      ['question', 'how long is the code valid?'],
      ['channel', { choice: 'channel_email' }],
      ['code', 'CODE'],
      ['after the link', 'gracias'],
    ];
    for (const [step, said] of steps) {
      const replies: string[][] = [];
      // Newest first: the restored conversation asked for its code second.
      const codes = said === 'CODE' ? await h.codesFor('ana@example.com') : [];
      for (const [i, conversationId] of [live, restored].entries()) {
        // Another write between turns: this conversation's chart is read back from the store, as before.
        if (conversationId === restored) await touch(h, restored);
        const message = said === 'CODE' ? codes[1 - i]! : said;
        const got = typeof message === 'string' ? await h.say(conversationId, message) : await h.press(conversationId, message.choice);
        // Each reset link is its own.
        replies.push(got.map((line) => line.replace(/\/reset\/\S+/, '/reset/<token>')));
      }
      expect(replies[0], step).toEqual(replies[1]);
      expect(await recordOf(h, live), step).toBe(await recordOf(h, restored));
    }
    // The live conversation's chart was kept, so it was the live one that answered (the other test shows it is used).
    expect(h.app.engine.liveActorCount()).toBeGreaterThan(0);
    // The journey really ran: the code was taken and the link given.
    const { record } = await stored(h).load(live);
    expect(JSON.stringify(record)).toContain('"codeVerified":true');
  });

  it('step aside when another instance wrote the conversation, and pick up where that write left it', async () => {
    // Two instances on one store, each with its own live charts: every turn alternates between them.
    const clock = new ManualClock(Date.now());
    const store = new MemoryStore(clock);
    const a = await startHarness({}, { clock, store });
    const b = await startHarness({}, { clock, store });
    try {
      const c = `alternating-${Date.now()}`;
      await a.say(c, 'I forgot my password');
      // b writes: a's chart, still live in a, is out of date and must not answer the next turn.
      expect((await b.say(c, 'ana@example.com'))[0]).toBe(say('ask_channel'));
      expect((await a.press(c, 'channel_email'))[0]).toBe(say('code_sent_email'));
      const [code] = await a.codesFor('ana@example.com');
      // And back on b, whose live chart is still at "which channel": it steps aside too.
      expect((await b.say(c, code!))[0]).toBe(say('code_verified'));
      expect(a.app.engine.liveActorCount()).toBeGreaterThan(0);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
