// A conversation record the running chart cannot trust — written by an older chart version, corrupt JSON, or
// JSON that is not a snapshot of this chart — never crashes a turn or the process: the person is told politely
// that the conversation started again, in their language, and their message is answered in the new one.
// On a real redis-server, where such records would come from.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { text } from '../../dialogs/catalog.js';
import { RECOVERY_CHART_VERSION } from '../../machines/recovery.machine.js';
import type { Locale } from '../../machines/recovery.types.js';
import { RECORD_SCHEMA_VERSION } from '../../src/conversation/conversation-store.js';
import { startHarness, type Harness } from '../helpers/bot-harness.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

const brand = 'StreamFlix Demo';
const opener: Record<Locale, string> = { es: 'olvidé mi clave', en: 'I forgot my password' };
const channelLocale: Record<Locale, string> = { es: 'es-ES', en: 'en-US' };

let redis: RedisServer;
let h: Harness;
beforeAll(async () => {
  redis = await startRedisServer({ maxmemoryPolicy: 'noeviction' });
  h = await startHarness({ REDIS_URL: redis.url });
});
afterAll(async () => {
  await h?.close();
  await redis?.stop();
});

/** Walks a conversation to the code step, so there is a real record to tamper with. */
async function toAwaitingCode(c: string, locale: Locale): Promise<void> {
  await h.say(c, opener[locale], channelLocale[locale]);
  await h.say(c, `tampered.${c}@example.com`, channelLocale[locale]);
  expect((await h.press(c, 'channel_email')).at(-1)).toBe(text(locale, 'ask_code', { brand }));
}

/** Replaces the stored record the way the store writes it (versioned), keeping the channel reference. */
async function overwrite(c: string, rewrite: (record: Record<string, unknown>) => string): Promise<void> {
  const key = `conv:{${c}}`;
  const { value, version } = await h.app.store.getVersioned(key);
  expect(await h.app.store.compareAndSet(key, version, rewrite(JSON.parse(value!) as Record<string, unknown>), 60_000)).toBe(true);
}

const tamperings: [string, (record: Record<string, unknown>) => string][] = [
  ['a snapshot from the previous chart version', (r) => JSON.stringify({ ...r, chartVersion: RECOVERY_CHART_VERSION - 1 })],
  ['a record that is not JSON', () => '{"schemaVersion":1,"chartVers'],
  ['a record from an unknown schema version', (r) => JSON.stringify({ ...r, schemaVersion: RECORD_SCHEMA_VERSION + 1 })],
  ['a snapshot that is not one of this chart', (r) => JSON.stringify({ ...r, snapshot: { status: 'active', value: { journey: 'noSuchStep' } } })],
  ['an empty snapshot', (r) => JSON.stringify({ ...r, snapshot: {} })],
];

describe.each(['es', 'en'] as const)('a record the chart cannot trust (%s)', (locale) => {
  it.each(tamperings)('%s: says the conversation restarted and answers the message', async (what, rewrite) => {
    const c = `tampered-${locale}-${tamperings.findIndex(([name]) => name === what)}`;
    await toAwaitingCode(c, locale);
    await overwrite(c, rewrite);

    expect(await h.say(c, opener[locale], channelLocale[locale])).toEqual([
      text(locale, 'conversation_restarted'),
      text(locale, 'ask_identifier', { brand }),
    ]);
    // The new conversation is saved over the bad one and goes on normally.
    expect(await h.say(c, `again.${c}@example.com`, channelLocale[locale])).toEqual([text(locale, 'ask_channel')]);
    // Events from outside the chat (a nudge, the reset page) meet a bad record without a word or a crash.
    await overwrite(c, rewrite);
    expect((await h.app.engine.dispatch(c, { type: 'NUDGE' })).says).toEqual([]);
    expect((await h.app.engine.dispatch(c, { type: 'RESET_COMPLETED' })).says).toEqual([]);
    // xstate rethrows an unrestorable snapshot from a timer unless it is handled: give it the chance to.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await h.say(c, opener[locale], channelLocale[locale])).toEqual([
      text(locale, 'conversation_restarted'),
      text(locale, 'ask_identifier', { brand }),
    ]);
  });
});

describe('a record the chart can trust', () => {
  it('is restored without a word about restarting', async () => {
    const c = 'trusted';
    await toAwaitingCode(c, 'en');
    expect(await h.say(c, 'how long is the code valid?')).toEqual([
      text('en', 'faq_code_validity', { minutes: 10 }),
      text('en', 'ask_code', { brand }),
    ]);
  });
});
