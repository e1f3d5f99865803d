// "Didn't get the code?" after a quiet spell, with three instances polling one real Redis: each nudge reaches the
// channel exactly once, never after the person typed the code, never twice for one quiet spell, not at all
// when NUDGE_AFTER_SECONDS=0, and still once when the instance that claimed it died. The instances share a manual clock, so two minutes pass in a moment; the pollers
// themselves run on real timers (every 50 ms).
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { text } from '../../dialogs/catalog.js';
import type { Locale } from '../../machines/recovery.types.js';
import { ManualClock } from '../../src/clock.js';
import { NUDGE_KEY, NUDGE_LEASE_MS, NudgeScheduler } from '../../src/conversation/nudge-scheduler.js';
import { loadDefaultOfflineClassifier } from '../../src/nlu/offline-classifier.js';
import { RedisStore } from '../../src/stores/redis-store.js';
import { startHarness, type Harness } from '../helpers/bot-harness.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

const NUDGE_AFTER_MS = 120_000;
const POLLS = 50;
const brand = 'StreamFlix Demo';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let redis: RedisServer;
let raw: ReturnType<typeof createClient>;
const clock = new ManualClock(Date.now());
let instances: Harness[];
let nudgesOff: Harness;

beforeAll(async () => {
  redis = await startRedisServer({ maxmemoryPolicy: 'noeviction' });
  raw = createClient({ url: redis.url });
  raw.on('error', () => {});
  await raw.connect();
  // One classifier for the four apps: trained once, the same answers everywhere.
  const classifier = await loadDefaultOfflineClassifier();
  const env = { REDIS_URL: redis.url, NUDGE_AFTER_SECONDS: String(NUDGE_AFTER_MS / 1000), NUDGE_POLL_MS: String(POLLS) };
  instances = await Promise.all([0, 1, 2].map(() => startHarness(env, { clock, classifier })));
  nudgesOff = await startHarness({ ...env, NUDGE_AFTER_SECONDS: '0' }, { clock, classifier });
}, 60_000);

afterAll(async () => {
  await Promise.all([...(instances ?? []), nudgesOff].filter(Boolean).map((h) => h.close()));
  raw?.destroy();
  await redis?.stop();
});

/** Messages every channel stand-in received outside a turn for a conversation. */
const proactiveTo = (conversationId: string) =>
  [...instances, nudgesOff].flatMap((h) => h.proactive.get(conversationId) ?? []).map((m) => ({
    text: m.text,
    choices: (m.suggestedActions?.actions ?? []).map((a) => (a.value as { choice?: string }).choice),
  }));

const nudge = (locale: Locale) => ({ text: text(locale, 'nudge_code'), choices: ['resend', 'switch_channel', 'agent'] });

async function toAwaitingCode(h: Harness, c: string, locale: Locale, identifier: string): Promise<void> {
  const channelLocale = locale === 'es' ? 'es-ES' : 'en-US';
  await h.say(c, locale === 'es' ? 'olvidé mi clave' : 'I forgot my password', channelLocale);
  await h.say(c, identifier, channelLocale);
  expect((await h.press(c, 'channel_email')).at(-1)).toBe(text(locale, 'ask_code', { brand }));
}

/** Lets every poller run several times at the current (manual) time. */
const letPollersRun = () => sleep(POLLS * 8);

describe('nudges while a code is pending', () => {
  it('sends each due nudge exactly once, whichever of three instances claims it, and only once per quiet spell', async () => {
    const conversations = Array.from({ length: 6 }, (_, i) => ({
      id: `quiet-${i}`,
      locale: (i % 2 ? 'en' : 'es') as Locale,
      on: instances[i % 3]!,
    }));
    for (const c of conversations) await toAwaitingCode(c.on, c.id, c.locale, `quiet.${c.id}@example.com`);
    expect(await raw.zCard(`clave:${NUDGE_KEY}`)).toBe(6);

    clock.advance(NUDGE_AFTER_MS - 1_000);
    await letPollersRun();
    for (const c of conversations) expect(proactiveTo(c.id), 'not yet due').toEqual([]);

    clock.advance(2_000);
    await vi.waitFor(() => {
      for (const c of conversations) expect(proactiveTo(c.id)).toHaveLength(1);
    }, { timeout: 5_000, interval: 20 });
    await letPollersRun();
    for (const c of conversations) expect(proactiveTo(c.id), c.id).toEqual([nudge(c.locale)]);

    // The nudge's own turn keeps the state; it must not start another quiet spell of its own.
    clock.advance(NUDGE_AFTER_MS + 1_000);
    await letPollersRun();
    for (const c of conversations) expect(proactiveTo(c.id)).toHaveLength(1);
    expect(await raw.zCard(`clave:${NUDGE_KEY}`), 'nothing left scheduled').toBe(0);

    // The person is still where they were: the buttons under the nudge work.
    const [first] = conversations;
    expect(await first!.on.press(first!.id, 'switch_channel')).toEqual([text(first!.locale, 'ask_channel')]);
  });

  it('is not sent once the person typed the code, and waits for a quiet spell after each message', async () => {
    const [a, b, c] = instances as [Harness, Harness, Harness];
    await toAwaitingCode(a, 'typed-the-code', 'en', 'ana@example.com');
    await toAwaitingCode(b, 'silent', 'en', 'silent.person@example.com');
    await toAwaitingCode(c, 'talkative', 'es', 'talkative.person@example.com');
    const [code] = await a.codesFor('ana@example.com');
    expect((await a.say('typed-the-code', code!))[0]).toBe(text('en', 'code_verified'));

    clock.advance(NUDGE_AFTER_MS - 20_000);
    // "I didn't get it" 100 s into the wait starts the quiet spell again.
    expect(await c.press('talkative', 'code_not_received')).toEqual([text('es', 'code_not_received')]);
    clock.advance(21_000);
    await vi.waitFor(() => expect(proactiveTo('silent')).toEqual([nudge('en')]), { timeout: 5_000, interval: 20 });
    await letPollersRun();
    expect(proactiveTo('talkative'), 'its quiet spell began with its last message').toEqual([]);

    clock.advance(NUDGE_AFTER_MS);
    await vi.waitFor(() => expect(proactiveTo('talkative')).toEqual([nudge('es')]), { timeout: 5_000, interval: 20 });
    await letPollersRun();
    expect(proactiveTo('typed-the-code'), 'the code was typed before the nudge was due').toEqual([]);
    expect(proactiveTo('silent')).toHaveLength(1);
    // A nudge claimed just as the person moved on meets a state that does not take it: nothing is said (an
    // UNRECOGNIZED would have said "Sorry, I didn't understand that").
    const late = await a.app.engine.dispatch('typed-the-code', { type: 'NUDGE' });
    expect({ says: late.says, state: late.state }).toEqual({ says: [], state: 'journey.linkIssued' });
  });

  it('is never scheduled by an instance with NUDGE_AFTER_SECONDS=0, though others poll the same Redis', async () => {
    await toAwaitingCode(nudgesOff, 'nudges-off', 'en', 'nudges.off@example.com');
    await toAwaitingCode(instances[0]!, 'nudges-on', 'en', 'nudges.on@example.com');
    expect(await raw.zScore(`clave:${NUDGE_KEY}`, 'nudges-off')).toBeNull();
    expect(await raw.zScore(`clave:${NUDGE_KEY}`, 'nudges-on')).not.toBeNull();

    clock.advance(NUDGE_AFTER_MS + 1_000);
    await vi.waitFor(() => expect(proactiveTo('nudges-on')).toEqual([nudge('en')]), { timeout: 5_000, interval: 20 });
    await letPollersRun();
    expect(proactiveTo('nudges-off')).toEqual([]);
  });

  it('goes out once from another instance when the one that claimed it dies before sending it', async () => {
    await toAwaitingCode(instances[1]!, 'claimed-then-died', 'es', 'claimed.then.died@example.com');
    // A fourth instance whose clock runs a little ahead claims the nudge, then dies before telling anyone.
    const dying = await RedisStore.connect(redis.url);
    const claimedAt = clock.now() + NUDGE_AFTER_MS + 1_000;
    const claim = await new NudgeScheduler(dying).claimDue(claimedAt, 50);
    await dying.close();
    expect(claim.conversationIds).toEqual(['claimed-then-died']);

    clock.advance(NUDGE_AFTER_MS + 1_000);
    await letPollersRun();
    expect(proactiveTo('claimed-then-died'), 'still leased by the dead instance').toEqual([]);

    clock.advance(NUDGE_LEASE_MS);
    await vi.waitFor(() => expect(proactiveTo('claimed-then-died')).toEqual([nudge('es')]), { timeout: 5_000, interval: 20 });
    await letPollersRun();
    expect(proactiveTo('claimed-then-died')).toHaveLength(1);
    expect(await raw.zScore(`clave:${NUDGE_KEY}`, 'claimed-then-died'), 'let go once sent').toBeNull();
  });
});
