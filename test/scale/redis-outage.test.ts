// A real Clave process when its Redis goes away and comes back (AOF persistence on, as docs/redis-keys.md
// requires): the person hears "temporarily unavailable" in their language, /readyz says not ready, the process
// lives on, and once Redis is back the journey resumes at its last committed step. Lockouts, counter and lock,
// survive Redis restarts (SECURITY.md 12).
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { text } from '../../dialogs/catalog.js';
import type { Locale } from '../../machines/recovery.types.js';
import { loadConfig } from '../../src/config.js';
import { codesInOutboxes, sendTurn, startChannelStandIn, type ChannelStandIn } from '../helpers/bot-client.js';
import { startClaveProcess, type ClaveProcess } from '../helpers/clave-process.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

const defaults = loadConfig({ PORT: '0' });
const say = (locale: Locale, key: string) =>
  text(locale, key, { brand: defaults.brandName, minutes: defaults.policy.codeTtlMs / 60_000, digits: defaults.policy.codeDigits });

const FAILURES_BEFORE_LOCKOUT = 3;

let redis: RedisServer;
let channel: ChannelStandIn;
let clave: ClaveProcess;

beforeAll(async () => {
  [redis, channel] = await Promise.all([
    startRedisServer({ appendOnly: true, maxmemoryPolicy: 'noeviction' }),
    startChannelStandIn(),
  ]);
  clave = await startClaveProcess({
    REDIS_URL: redis.url,
    SECRET_KEY: 'outage-test-secret-key-that-is-long-enough-0123',
    AUDIT_LOG: 'off',
    LOG_LEVEL: 'warn',
    ACCOUNT_FAILURES_PER_HOUR: String(FAILURES_BEFORE_LOCKOUT),
    RESEND_COOLDOWN_SECONDS: '0',
  });
}, 60_000);

afterAll(async () => {
  if (clave && clave.child.exitCode === null) {
    clave.child.kill('SIGTERM');
    await clave.exited;
  }
  await Promise.all([redis?.stop(), channel?.close()]);
});

const turn = (conversationId: string, locale: Locale, activity: { text?: string; value?: unknown }) =>
  sendTurn(clave.baseUrl, channel.url, conversationId, { ...activity, locale: locale === 'es' ? 'es-ES' : 'en-US' });

const readiness = async () => (await fetch(`${clave.baseUrl}/readyz`)).status;

async function codeFor(destination: string): Promise<string> {
  let code = '';
  await vi.waitFor(
    async () => {
      code = (await codesInOutboxes([clave.baseUrl], destination))[0] ?? '';
      expect(code).toMatch(/^\d{6}$/);
    },
    { timeout: 5_000, interval: 50 },
  );
  return code;
}

/** Milliseconds until /readyz answers `status`. */
async function msUntilReadiness(status: number, timeoutMs = 15_000): Promise<number> {
  const started = performance.now();
  await vi.waitFor(async () => expect(await readiness()).toBe(status), { timeout: timeoutMs, interval: 25 });
  return performance.now() - started;
}

async function toAwaitingCode(conversationId: string, locale: Locale, opener: string, identifier: string): Promise<void> {
  await turn(conversationId, locale, { text: opener });
  await turn(conversationId, locale, { text: identifier });
  const sent = await turn(conversationId, locale, { value: { choice: 'channel_email' } });
  expect(sent.texts).toEqual([say(locale, 'code_sent_email'), say(locale, 'ask_code')]);
}

/** Redis as an operator sees it: the lockout keys of whatever subject is locked. */
async function lockoutKeys(): Promise<{ lock: string[]; failures: string[]; ttls: number[] }> {
  const raw = createClient({ url: redis.url });
  raw.on('error', () => {});
  await raw.connect();
  try {
    const [lock, failures] = await Promise.all([raw.keys('clave:lock:*'), raw.keys('clave:failures:*')]);
    const ttls = await Promise.all([...lock, ...failures].map((key) => raw.pTTL(key)));
    return { lock, failures, ttls };
  } finally {
    raw.destroy();
  }
}

describe('Redis goes away and comes back', () => {
  it('answers "temporarily unavailable" in the person’s language, reports not ready, stays up, and resumes at the last step', async () => {
    const c = 'outage-es';
    await toAwaitingCode(c, 'es', 'olvidé mi clave', 'ana@example.com');
    const code = await codeFor('ana@example.com');
    expect(await readiness()).toBe(200);

    await redis.kill();
    const notReadyAfterMs = await msUntilReadiness(503, 5_000);
    const started = performance.now();
    const during = await turn(c, 'es', { text: code });
    const failedTurnMs = performance.now() - started;
    expect(during.status, 'the channel gets an answer, not an error').toBe(200);
    expect(during.texts).toEqual([say('es', 'temporarily_unavailable')]);
    // Another try during the outage, in English this time: the same answer in English.
    expect((await turn('outage-en', 'en', { text: 'I forgot my password' })).texts).toEqual([say('en', 'temporarily_unavailable')]);
    expect(clave.child.exitCode, 'the process is still running').toBeNull();
    expect((await fetch(`${clave.baseUrl}/healthz`)).status).toBe(200);
    expect(await readiness()).toBe(503);
    // Long enough for the client's reconnect backoff to grow towards its 2 s cap.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(clave.child.exitCode).toBeNull();

    const restartedAt = performance.now();
    await redis.restart();
    const redisUpMs = performance.now() - restartedAt;
    const readyAfterRestartMs = await msUntilReadiness(200);
    expect(readyAfterRestartMs, 'ready again within the reconnect backoff cap (2 s) plus slack').toBeLessThan(5_000);
    console.info(
      `outage: not ready ${notReadyAfterMs.toFixed(0)} ms after the kill; a turn failed in ${failedTurnMs.toFixed(0)} ms; ` +
        `redis-server back in ${redisUpMs.toFixed(0)} ms; ready ${readyAfterRestartMs.toFixed(0)} ms after that`,
    );

    // The step committed before the outage is where the journey goes on: the same code completes it.
    const after = await turn(c, 'es', { text: code });
    expect(after.texts[0]).toBe(say('es', 'code_verified'));
    expect(after.texts[1]).toMatch(/\/reset\/[\w-]{16,}/);
    expect(clave.output()).not.toContain(code);
  });

  it('keeps a lockout across Redis restarts: the failure counter, then the lock itself', async () => {
    const first = 'lockout-1';
    await toAwaitingCode(first, 'en', 'I forgot my password', 'dani@example.com');
    const code = await codeFor('dani@example.com');
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 1; i < FAILURES_BEFORE_LOCKOUT; i++) {
      expect((await turn(first, 'en', { text: wrong })).texts[0]).toBe(say('en', 'code_wrong'));
    }

    // A crash: only what AOF had written survives. The counter must be among it.
    await redis.kill();
    await redis.restart();
    await msUntilReadiness(200);
    expect((await turn(first, 'en', { text: wrong })).texts, 'the failure that makes it 3 locks').toEqual([
      say('en', 'locked_out'),
    ]);
    const locked = await lockoutKeys();
    expect(locked.lock).toHaveLength(1);
    expect(locked.failures).toHaveLength(1);
    for (const ttl of locked.ttls) expect(ttl, 'lockout keys carry their TTL').toBeGreaterThan(0);

    // Another crash, then a new conversation for the same account: the lock is still there.
    await redis.kill();
    await redis.restart();
    await msUntilReadiness(200);
    const second = 'lockout-2';
    await turn(second, 'en', { text: 'I forgot my password' });
    await turn(second, 'en', { text: 'dani@example.com' });
    expect((await turn(second, 'en', { value: { choice: 'channel_email' } })).texts).toEqual([say('en', 'locked_out')]);
  });
});
