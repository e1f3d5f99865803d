// Two real Clave processes on one real Redis, no sticky sessions: one conversation's turns alternate between
// them through a whole recovery, and 50 turns sent at once, split over both, are applied one at a time: none
// lost, none failed, and the chart ends exactly where the same turns sent one by one leave it.
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { text } from '../../dialogs/catalog.js';
import type { Locale } from '../../machines/recovery.types.js';
import { loadConfig } from '../../src/config.js';
import { codesInOutboxes, sendTurn, startChannelStandIn, type ChannelStandIn, type TurnResponse } from '../helpers/bot-client.js';
import { startClaveProcess, type ClaveProcess } from '../helpers/clave-process.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

const defaults = loadConfig({ PORT: '0' });
const say = (locale: Locale, key: string, params: Record<string, string | number> = {}) =>
  text(locale, key, {
    brand: defaults.brandName,
    minutes: defaults.policy.codeTtlMs / 60_000,
    digits: defaults.policy.codeDigits,
    ...params,
  });

let redis: RedisServer;
let channel: ChannelStandIn;
let a: ClaveProcess;
let b: ClaveProcess;

beforeAll(async () => {
  [redis, channel] = await Promise.all([startRedisServer({ maxmemoryPolicy: 'noeviction' }), startChannelStandIn()]);
  const env = {
    REDIS_URL: redis.url,
    SECRET_KEY: 'scale-test-secret-key-shared-by-both-instances-0123',
    AUDIT_LOG: 'off',
    LOG_LEVEL: 'warn',
    // Nine unrecognised answers in the concurrency test must not reach a person.
    REPROMPT_LIMIT: '10',
    RESEND_COOLDOWN_SECONDS: '0',
  };
  [a, b] = await Promise.all([startClaveProcess(env), startClaveProcess(env)]);
}, 60_000);

afterAll(async () => {
  for (const process of [a, b]) {
    if (process && process.child.exitCode === null) {
      process.child.kill('SIGTERM');
      await process.exited;
    }
  }
  await Promise.all([redis?.stop(), channel?.close()]);
});

const turn = (on: ClaveProcess, conversationId: string, activity: { text?: string; value?: unknown; locale?: string }) =>
  sendTurn(on.baseUrl, channel.url, conversationId, activity);

/** The code newest in either process's outbox (the one that ran the send), once delivery has put it there. */
async function codeFor(destination: string, notIn: readonly string[] = []): Promise<string> {
  let code = '';
  await vi.waitFor(
    async () => {
      code = (await codesInOutboxes([a.baseUrl, b.baseUrl], destination)).find((c) => !notIn.includes(c)) ?? '';
      expect(code).toMatch(/^\d{6}$/);
    },
    { timeout: 5_000, interval: 50 },
  );
  return code;
}

/** The conversation record as both processes read it: the chart snapshot Redis holds. */
async function storedSnapshot(conversationId: string): Promise<{ value: unknown; context: Record<string, unknown> }> {
  const raw = createClient({ url: redis.url });
  raw.on('error', () => {});
  await raw.connect();
  try {
    const record = JSON.parse((await raw.hGet(`clave:conv:{${conversationId}}`, 'v')) ?? 'null') as {
      snapshot: { value: unknown; context: Record<string, unknown> };
    };
    return record.snapshot;
  } finally {
    raw.destroy();
  }
}

describe('two processes, one Redis', () => {
  it('takes one conversation through a whole recovery with every turn on the other process', async () => {
    const c = 'alternating-1';
    const locale = 'es';
    const steps: [ClaveProcess, { text?: string; value?: unknown }, string[]][] = [
      [a, { text: 'olvidé mi clave' }, [say(locale, 'ask_identifier')]],
      [b, { text: 'ana@example.com' }, [say(locale, 'ask_channel')]],
      [a, { value: { choice: 'channel_email' } }, [say(locale, 'code_sent_email'), say(locale, 'ask_code')]],
    ];
    for (const [on, activity, expected] of steps) {
      const reply = await turn(on, c, { ...activity, locale: 'es-ES' });
      expect(reply.status).toBe(200);
      expect(reply.texts).toEqual(expected);
    }
    // Process A ran the send, so the code is in A's outbox; B checks it against the hash A stored in Redis.
    const code = await codeFor('ana@example.com');
    const verified = await turn(b, c, { text: code, locale: 'es-ES' });
    expect(verified.texts[0]).toBe(say(locale, 'code_verified'));
    const url = /https?:\/\/\S+\/reset\/[\w-]+/.exec(verified.texts[1] ?? '')?.[0];
    expect(url, 'the reset link').toBeDefined();
    const path = new URL(url!).pathname;

    // The page opens on A (its CSRF token and cookie are HMACs under the shared key) and is submitted on B.
    const page = await fetch(`${a.baseUrl}${path}`, { headers: { 'sec-fetch-site': 'none' } });
    expect(page.status).toBe(200);
    const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())?.[1];
    const cookie = page.headers.getSetCookie()[0]?.split(';')[0];
    const newPassword = 'lluvia violeta sobre el faro de papel 2031';
    const posted = await fetch(`${b.baseUrl}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'sec-fetch-site': 'same-origin',
        origin: b.baseUrl,
        cookie: cookie!,
      },
      body: new URLSearchParams({ password: newPassword, csrf: csrf! }).toString(),
    });
    expect(posted.status, 'the reset page on the other process takes the new password').toBe(200);

    // B tells the chat through the channel, and A signs in with the new password B stored.
    await vi.waitFor(() => expect(channel.proactive.get(c)?.map((m) => m.text)).toEqual([say(locale, 'reset_done')]), {
      timeout: 5_000,
    });
    const signIn = (on: ClaveProcess, password: string) =>
      fetch(`${on.baseUrl}/dev/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ identifier: 'ana@example.com', password }),
      }).then((r) => r.status);
    expect(await signIn(a, newPassword)).toBe(200);
    expect(await signIn(a, 'Lighthouse-Paper-41')).toBe(401);

    // A new message after the end starts a new conversation, wherever it lands.
    expect((await turn(a, c, { text: 'olvidé mi clave', locale: 'es-ES' })).texts).toEqual([say(locale, 'ask_identifier')]);
  });

  it('applies 50 concurrent turns split over both processes one at a time, as a serial run would', async () => {
    // Nine unrecognised answers (each one counted in the chart's context) and 41 questions, in a fixed mix.
    const inputs = Array.from({ length: 50 }, (_, i) =>
      i % 5 === 0 && i < 45 ? { text: '' } : { text: 'how long is the code valid?' },
    );
    expect(inputs.filter((input) => input.text === '')).toHaveLength(9);
    const expected = (input: { text: string }) =>
      input.text === ''
        ? [say('en', 'not_understood'), say('en', 'ask_code')]
        : [say('en', 'faq_code_validity'), say('en', 'ask_code')];

    const toAwaitingCode = async (c: string, identifier: string) => {
      await turn(a, c, { text: 'I forgot my password' });
      await turn(b, c, { text: identifier });
      const sent = await turn(a, c, { value: { choice: 'channel_email' } });
      expect(sent.texts).toEqual([say('en', 'code_sent_email'), say('en', 'ask_code')]);
    };

    // The reference: the same turns one after another, alternating processes.
    const serial = 'serial-reference';
    await toAwaitingCode(serial, 'someone.unknown@example.com');
    for (const [i, input] of inputs.entries()) {
      expect((await turn(i % 2 ? b : a, serial, input)).texts).toEqual(expected(input));
    }

    const concurrent = 'concurrent-50';
    await toAwaitingCode(concurrent, 'dani@example.com');
    const code = await codeFor('dani@example.com');
    const started = performance.now();
    const responses: TurnResponse[] = await Promise.all(inputs.map((input, i) => turn(i % 2 ? b : a, concurrent, input)));
    const seconds = (performance.now() - started) / 1000;

    expect(responses.map((r) => r.status).filter((status) => status !== 200), 'no request failed').toEqual([]);
    for (const [i, response] of responses.entries()) {
      expect(response.texts, `turn ${i} got its own replies`).toEqual(expected(inputs[i]!));
    }
    // Where the chart ended, down to the reprompt count: a lost update would leave fewer than nine.
    const [ended, reference] = await Promise.all([storedSnapshot(concurrent), storedSnapshot(serial)]);
    const comparable = (snapshot: { value: unknown; context: Record<string, unknown> }) => ({
      value: snapshot.value,
      reprompts: snapshot.context.reprompts,
      locale: snapshot.context.locale,
      channel: snapshot.context.channel,
      codeVerified: snapshot.context.codeVerified,
    });
    expect(comparable(ended)).toEqual(comparable(reference));
    expect(ended.context.reprompts).toBe(9);
    expect(ended.value).toEqual({ journey: 'awaitingCode' });
    console.info(`50 concurrent turns over two processes: ${seconds.toFixed(2)} s`);

    // And it goes on from there: the code is still the right one.
    expect((await turn(b, concurrent, { text: code })).texts[0]).toBe(say('en', 'code_verified'));
  });
});
