// SECURITY.md 12: counters and lockouts live in Redis with no eviction and survive a Redis restart where
// persistence is on. On a real redis-server (AOF on, maxmemory-policy noeviction) Dani is locked by ten wrong
// codes; Redis is then restarted gracefully, and later killed (kill -9) and started again, and a fresh Clave is
// started on the same Redis: each time the lockout still holds — the right code is refused, no new code goes
// out — and the counter and lock keys are still there with their TTL. A Redis that could evict them is named
// in a start-up warning in development, and stops start-up in production.
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { DANI } from '../transcripts/story.js';
import { capturedLogger, keysOf, startApp, type Harness } from './helpers.js';

const LIMIT = loadConfig({}).policy.accountFailuresPerWindow;
// The growing delays (item 9) are off so the lock comes after ten tries in a row; the limit is the default.
const ENV = { ATTEMPT_DELAYS_SECONDS: '0' };

let redis: RedisServer;
let h: Harness;
beforeAll(async () => {
  redis = await startRedisServer({ appendOnly: true, maxmemoryPolicy: 'noeviction' });
  h = await startApp({ ...ENV, REDIS_URL: redis.url });
});
afterAll(async () => {
  await h?.close();
  await redis?.stop();
});

/** The lockout as an operator sees it in Redis: the account's failure counter and lock, with their TTLs. */
async function lockoutKeys(): Promise<{ failures: string | null; lock: string | null; ttls: number[]; policy: string; aof: string }> {
  const raw = createClient({ url: redis.url });
  raw.on('error', () => undefined);
  await raw.connect();
  try {
    const [failureKeys, lockKeys] = await Promise.all([raw.keys('*failures:*'), raw.keys('*lock:{*')]);
    const ttls = await Promise.all([...failureKeys, ...lockKeys].map((k) => raw.pTTL(k)));
    return {
      failures: failureKeys[0] ? await raw.get(failureKeys[0]) : null,
      lock: lockKeys[0] ?? null,
      ttls,
      policy: (await raw.configGet('maxmemory-policy'))['maxmemory-policy'] ?? '',
      aof: (await raw.configGet('appendonly')).appendonly ?? '',
    };
  } finally {
    raw.destroy();
  }
}

const ready = async (app: Harness) => (await fetch(`${app.baseUrl}/readyz`)).status;

/** The lockout, seen from the chat: the right code from before is refused and a new conversation gets no code. */
async function expectStillLocked(app: Harness, ownerConv: string, ownerCode: string, label: string): Promise<void> {
  await vi.waitFor(async () => expect(await ready(app)).toBe(200), { timeout: 10_000, interval: 50 });
  const right = keysOf('en', await app.send(ownerConv, { text: ownerCode, locale: 'en-US' }));
  const fresh = `after-${label}`;
  await app.send(fresh, { text: 'I forgot my password', locale: 'en-US' });
  await app.send(fresh, { text: DANI.email, locale: 'en-US' });
  const channel = keysOf('en', await app.send(fresh, { value: { choice: 'channel_email' }, locale: 'en-US' }));
  const keys = await lockoutKeys();
  console.log(`SECURITY 12 after ${label}: right code → ${right.join()}, new conversation → ${channel.join()}, failures counter ${keys.failures}, TTLs ${keys.ttls.map((t) => Math.round(t / 60_000)).join('/')} min`);
  expect(right).toEqual(['locked_out']);
  expect(channel).toEqual(['locked_out']);
  expect(keys.failures).toBe(String(LIMIT));
  expect(keys.lock).not.toBeNull();
  for (const ttl of keys.ttls) expect(ttl, 'the keys keep their TTL').toBeGreaterThan(50 * 60_000);
  expect(app.audit.entries().filter((e) => e.event === 'code_verified')).toEqual([]);
}

describe('counters and lockouts in Redis (SECURITY.md 12)', () => {
  let ownerConv: string;
  let ownerCode: string;

  it('runs on a Redis with persistence on and no eviction', async () => {
    const keys = await lockoutKeys();
    expect(keys.policy).toBe('noeviction');
    expect(keys.aof).toBe('yes');
  });

  it('locks the account after the limit', async () => {
    ownerConv = 'owner';
    await h.say(ownerConv, 'I forgot my password');
    await h.say(ownerConv, DANI.email);
    await h.press(ownerConv, 'channel_email');
    [ownerCode] = (await h.codesFor(DANI.email)) as [string];
    for (const conv of ['attacker-1', 'attacker-2']) {
      await h.say(conv, 'I forgot my password');
      await h.say(conv, DANI.email);
      await h.press(conv, 'channel_alt_email');
    }
    let last: string[] = [];
    for (let i = 0; i < LIMIT; i++) last = keysOf('en', await h.send(i % 2 ? 'attacker-1' : 'attacker-2', { text: '000000', locale: 'en-US' }));
    expect(last).toEqual(['locked_out']);
    expect((await lockoutKeys()).lock).not.toBeNull();
  });

  it('holds the lockout across a graceful Redis restart', async () => {
    await redis.restart();
    await expectStillLocked(h, ownerConv, ownerCode, 'a Redis restart');
  });

  it('holds it across a Redis crash (kill -9) and start', async () => {
    await redis.kill();
    await vi.waitFor(async () => expect(await ready(h)).toBe(503), { timeout: 10_000, interval: 50 });
    await redis.restart();
    await expectStillLocked(h, ownerConv, ownerCode, 'a Redis crash');
  });

  it('holds it for a Clave instance started afterwards on the same Redis', async () => {
    const second = await startApp({ ...ENV, REDIS_URL: redis.url });
    try {
      await expectStillLocked(second, ownerConv, ownerCode, 'a new Clave instance');
    } finally {
      await second.close();
    }
  });

  it('warns at start-up, naming the policy, when Redis could evict the counters', async () => {
    const evicting = await startRedisServer({ maxmemoryPolicy: 'volatile-lru' });
    const { logger, lines } = capturedLogger();
    const app = await startApp({ REDIS_URL: evicting.url }, { logger });
    try {
      const warning = lines.map((l) => JSON.parse(l) as { level: number; msg: string; policy?: string }).find((l) => /noeviction/.test(l.msg));
      console.log(`SECURITY 12 start-up on volatile-lru: ${JSON.stringify(warning)}`);
      expect(warning?.level).toBe(40);
      expect(warning?.policy).toBe('volatile-lru');
    } finally {
      await app.close();
      await evicting.stop();
    }
  });

  it('refuses to start in production on a Redis that could evict them, naming the setting and the fix', async () => {
    const evicting = await startRedisServer({ maxmemoryPolicy: 'allkeys-lru' });
    const { logger } = capturedLogger();
    const production = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'silent',
      AUDIT_LOG: 'off',
      MICROSOFT_APP_ID: '00000000-0000-4000-8000-000000000012',
      MICROSOFT_APP_PASSWORD: 'app-password-12',
      MICROSOFT_APP_TENANT_ID: '00000000-0000-4000-8000-0000000000cc',
      PUBLIC_BASE_URL: 'https://help.example.com',
      SECRET_KEY: 'production-secret-key-12-0123456789-abcdef',
      SMTP_URL: 'smtps://u:p@smtp.invalid:465',
      SMS_WEBHOOK_URL: 'https://sms.invalid/hook',
      SMS_WEBHOOK_SECRET: 'webhook-secret-that-is-long-enough-0123456789',
      DIRECTORY_URL: 'https://idp.invalid/clave/v1',
      DIRECTORY_TOKEN: 'directory-token-0123456789',
      REDIS_URL: evicting.url,
    };
    try {
      const refusal = await createApp(loadConfig(production), { logger }).then(
        async (app) => {
          await app.close();
          return null;
        },
        (error: Error) => error.message,
      );
      console.log(`SECURITY 12 production start-up on allkeys-lru: ${refusal}`);
      expect(refusal).toMatch(/^REDIS_URL: .*maxmemory-policy is allkeys-lru.*noeviction/);
      expect(refusal).toMatch(/Fix: set maxmemory-policy noeviction/);
      // The same Redis set right is accepted.
      const raw = createClient({ url: evicting.url });
      await raw.connect();
      await raw.configSet('maxmemory-policy', 'noeviction');
      raw.destroy();
      const app = await createApp(loadConfig(production), { logger });
      await app.close();
    } finally {
      await evicting.stop();
    }
  });
});
