// Two instances on one real redis-server, both sending email through one mail server that is down (a real SMTP
// server answering 421). The instance that gave up on a send marks the email channel in Redis; a conversation the
// other instance serves hears the offer of another channel on its next turn. When an email gets through on the
// second instance, a conversation on the first no longer hears it. The mark expires by itself.
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { text } from '../../dialogs/catalog.js';
import { ManualClock } from '../../src/clock.js';
import { DELIVERY_TROUBLE_TTL_MS, deliveryTroubleKey } from '../../src/services/delivery-health.js';
import { loadDefaultOfflineClassifier } from '../../src/nlu/offline-classifier.js';
import { startHarness, type Harness } from '../helpers/bot-harness.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';

const brand = 'StreamFlix Demo';
let redis: RedisServer;
let raw: ReturnType<typeof createClient>;
let sink: SmtpSink;
let down = true;
let a: Harness;
let b: Harness;

beforeAll(async () => {
  redis = await startRedisServer({ maxmemoryPolicy: 'noeviction' });
  raw = createClient({ url: redis.url });
  raw.on('error', () => {});
  await raw.connect();
  sink = await startSmtpSink({
    onConnect: () => (down ? Object.assign(new Error('Service not available'), { responseCode: 421 }) : null),
  });
  const classifier = await loadDefaultOfflineClassifier();
  const clock = new ManualClock(Date.now());
  const env = { REDIS_URL: redis.url, SMTP_URL: `smtp://127.0.0.1:${sink.port}`, NUDGE_AFTER_SECONDS: '0', SENDS_PER_15_MINUTES: '10' };
  [a, b] = await Promise.all([startHarness(env, { clock, classifier }), startHarness(env, { clock, classifier })]);
}, 60_000);

afterAll(async () => {
  await Promise.all([a, b].filter(Boolean).map((h) => h.close()));
  raw?.destroy();
  await sink?.close();
  await redis?.stop();
});

async function toAwaitingCode(h: Harness, c: string, identifier: string): Promise<void> {
  await h.say(c, 'I forgot my password', 'en-US');
  await h.say(c, identifier, 'en-US');
  expect((await h.press(c, 'channel_email')).at(-1)).toBe(text('en', 'ask_code', { brand }));
}

const notReceived = text('en', 'code_not_received');
const trouble = text('en', 'delivery_trouble_email');

describe('the delivery trouble mark, shared through Redis', () => {
  it('is set by the instance that gave up and heard on the other one', async () => {
    await toAwaitingCode(a, 'shared-ana', 'ana@example.com');
    await toAwaitingCode(b, 'shared-nobody', 'nobody-here@example.net');
    await a.app.delivery.drain();

    const ttl = await raw.pTTL(`clave:${deliveryTroubleKey('email')}`);
    expect(ttl).toBeGreaterThan(DELIVERY_TROUBLE_TTL_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(DELIVERY_TROUBLE_TTL_MS);
    expect(await raw.exists(`clave:${deliveryTroubleKey('sms')}`)).toBe(0);

    // Served by B, which sent nothing and has no idea on its own.
    expect(await b.press('shared-nobody', 'code_not_received')).toEqual([trouble, notReceived]);
    // Ana's conversation, on B this time: the same.
    expect(await b.press('shared-ana', 'code_not_received')).toEqual([trouble, notReceived]);
  }, 30_000);

  it('is cleared by an email getting through on the other instance', async () => {
    await toAwaitingCode(a, 'shared-waiting', 'someone@example.net');
    down = false;
    await toAwaitingCode(b, 'shared-dani', 'dani@example.com');
    await b.app.delivery.drain();

    expect(sink.received).toHaveLength(1);
    expect(await raw.exists(`clave:${deliveryTroubleKey('email')}`)).toBe(0);
    expect(await a.press('shared-waiting', 'code_not_received')).toEqual([notReceived]);
  });
});
