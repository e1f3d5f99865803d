// SECURITY.md 7: only hashes are stored (HMAC-SHA-256 under the server key), and codes, answers, tokens and
// passwords never appear in logs, the audit trail, metrics, the store, handoff packets or language-model
// requests. Four journeys run on a real redis-server, with the log captured at debug level and a stand-in
// model that records every request: a reset by email (with a wrong code, a code and the link mentioned in
// free text, passwords typed in the chat, a refused and an accepted new password), one by SMS and an
// authenticator, one with a recovery code whose link is left unused, and one that ends with a person. Then
// every secret they handled is looked for in every one of those places.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { normaliseRecoveryCode } from '../../src/services/demo-directory.js';
import { Secrets } from '../../src/services/secrets.js';
import { reply, startOpenAIStandIn, type OpenAIStandIn } from '../helpers/openai-stand-in.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { ANA, BEN, DANI, latestCode, nextTotp, submitNewPassword, wrongCodeFor } from '../transcripts/story.js';
import { SECRET_KEY, capturedLogger, contextOf, dumpRedis, linkIn, startApp, type Harness } from './helpers.js';

const NEW_ANA = 'lantern meadow quietly folding paper boats';
const NEW_BEN = 'seven copper kettles hum beside the harbour';
const REFUSED = 'Password1!';

let redis: RedisServer;
let model: OpenAIStandIn;
let h: Harness;
let logLines: string[];

/** Every secret the journeys handled: what it is, and its value. */
const secrets: { what: string; value: string }[] = [];
const keep = (what: string, value: string) => secrets.push({ what, value });

beforeAll(async () => {
  redis = await startRedisServer({ maxmemoryPolicy: 'noeviction' });
  model = await startOpenAIStandIn(() => reply.answer({ intent: 'out_of_scope', language: 'en', confidence: 0.3 }));
  const captured = capturedLogger();
  logLines = captured.lines;
  h = await startApp(
    {
      REDIS_URL: redis.url,
      LOG_LEVEL: 'debug',
      OPENAI_API_KEY: 'test-key',
      OPENAI_BASE_URL: model.baseUrl,
      // Every free-text message goes to the model, so every one of them is a chance to leak.
      LLM_THRESHOLD: '1',
      LLM_CACHE_SIZE: '0',
      SECURITY_QUESTION: 'on',
    },
    { logger: captured.logger },
  );
  keep('server key', SECRET_KEY);
  for (const password of [ANA.password, BEN.password, DANI.password, NEW_ANA, NEW_BEN, REFUSED]) keep('password', password);
});
afterAll(async () => {
  await h?.close();
  await model?.close();
  await redis?.stop();
});

/** One thing the person does, through the app (which also keeps the redacted transcript a handoff shows). */
async function turn(conv: string, said: string | { choice: string }): Promise<string[]> {
  const activity = typeof said === 'string' ? { text: said } : { value: said };
  const replies = await h.send(conv, { ...activity, locale: 'en-US' });
  return replies.filter((r) => r.type === 'message').map((r) => r.text ?? '');
}

async function journeys(): Promise<{ pendingCode: { conv: string; code: string } }> {
  // Ana: email, a wrong code, the code and the link in free text, passwords typed in the chat.
  await turn('secrets-ana', 'I forgot my password');
  await turn('secrets-ana', ANA.email);
  await turn('secrets-ana', { choice: 'channel_email' });
  const anaCode = await latestCode(h, ANA.email);
  keep('email code', anaCode);
  await turn('secrets-ana', `my code ${anaCode} doesn't work, did it expire?`);
  await turn('secrets-ana', wrongCodeFor(anaCode));
  await turn('secrets-ana', `my password is ${ANA.password}`);
  await turn('secrets-ana', ANA.password);
  const anaLink = linkIn(await turn('secrets-ana', anaCode));
  expect(anaLink).not.toBeNull();
  keep('reset link', anaLink!);
  keep('reset token', anaLink!.split('/').at(-1)!);
  await turn('secrets-ana', `the page ${anaLink} asks for a new password, ok`);
  expect((await submitNewPassword(h, anaLink!, REFUSED)).status).toBe(422);
  expect((await submitNewPassword(h, anaLink!, NEW_ANA)).status).toBe(200);

  // Ben: SMS code and authenticator.
  await turn('secrets-ben-totp', 'I forgot my password');
  await turn('secrets-ben-totp', BEN.email);
  await turn('secrets-ben-totp', { choice: 'channel_sms' });
  const smsCode = await latestCode(h, BEN.phone);
  keep('SMS code', smsCode);
  await turn('secrets-ben-totp', smsCode);
  const totp = await nextTotp(h);
  keep('authenticator code', totp);
  const benLink = linkIn(await turn('secrets-ben-totp', totp));
  expect(benLink).not.toBeNull();
  keep('reset token', benLink!.split('/').at(-1)!);
  expect((await submitNewPassword(h, benLink!, NEW_BEN)).status).toBe(200);

  // Ben again: email code and a recovery code; the link is left unused, so its token stays live in Redis.
  await turn('secrets-ben-recovery', 'I forgot my password');
  await turn('secrets-ben-recovery', BEN.email);
  await turn('secrets-ben-recovery', { choice: 'channel_email' });
  const benCode = await latestCode(h, BEN.email);
  keep('email code', benCode);
  await turn('secrets-ben-recovery', benCode);
  await turn('secrets-ben-recovery', { choice: 'use_recovery_code' });
  const recoveryCode = BEN.recoveryCodes[0];
  keep('recovery code', recoveryCode);
  keep('recovery code, normalised', normaliseRecoveryCode(recoveryCode));
  const unusedLink = linkIn(await turn('secrets-ben-recovery', recoveryCode));
  expect(unusedLink).not.toBeNull();
  keep('reset token (unused)', unusedLink!.split('/').at(-1)!);

  // Dani: wrong codes, the code mentioned in a sentence, then a person, after the owner questions (with the
  // security question turned on): card digits, postal code and an answer are secrets too.
  await turn('secrets-dani', 'I forgot my password');
  await turn('secrets-dani', DANI.email);
  await turn('secrets-dani', { choice: 'channel_email' });
  const daniCode = await latestCode(h, DANI.email);
  keep('email code', daniCode);
  await turn('secrets-dani', wrongCodeFor(daniCode));
  await turn('secrets-dani', `is ${daniCode} the one i should type?`);
  await turn('secrets-dani', { choice: 'agent' });
  keep('card digits', '7319');
  await turn('secrets-dani', '731');
  await turn('secrets-dani', '7319');
  keep('postal code', 'SW1A 1AA');
  keep('postal code, normalised', 'SW1A1AA');
  await turn('secrets-dani', 'sw1a 1aa');
  keep('security answer', 'Marmalade Street');
  keep('security answer, normalised', 'marmaladestreet');
  await turn('secrets-dani', 'Marmalade Street');
  await turn('secrets-dani', `the code ${daniCode} did not work, can you check?`);

  // Every code the outbox ever held (resends included) is a secret too.
  await h.app.delivery.drain();
  for (const message of h.app.outbox!.list()) {
    for (const match of message.text.matchAll(/\b(\d{6})\b/g)) keep(`${message.purpose} to ${message.channel}`, match[1]!);
  }
  return { pendingCode: { conv: 'secrets-dani', code: daniCode } };
}

/** Where a secret could leak, each as one text to search. */
const places = new Map<string, string>();

/** True when `value` appears in `haystack` as itself, not as part of a longer run of letters or digits (a hex hash). */
const contains = (haystack: string, value: string) =>
  new RegExp(`(?<![0-9A-Za-z])${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![0-9A-Za-z])`).test(haystack);

describe('no code, token, answer or password is kept or written anywhere (SECURITY.md 7)', () => {
  let pending: { conv: string; code: string };

  beforeAll(async () => {
    ({ pendingCode: pending } = await journeys());
    await h.app.delivery.drain();

    places.set('log', logLines.join(''));
    places.set('audit trail', h.audit.lines.join('\n'));
    const dump = await dumpRedis(redis.url);
    places.set('Redis dump', [...dump].map(([key, value]) => `${key}\t${value}`).join('\n'));
    places.set('language-model requests', model.requests.map((r) => `${r.url}\n${JSON.stringify(r.headers)}\n${r.body}`).join('\n'));
    places.set('metrics', await (await fetch(`${h.baseUrl}/metrics`)).text());

    // The case an agent opens for Dani's handoff: the packet, its redacted transcript and the bot's lines.
    await vi.waitFor(async () => expect(await h.app.handoff.caseFor(pending.conv, 'security-review')).not.toBeNull(), { timeout: 5_000, interval: 20 });
    places.set('handoff packet', JSON.stringify(await h.app.handoff.caseFor(pending.conv, 'security-review')));
  });

  it('had something to look through in every place', () => {
    const sizes = Object.fromEntries([...places].map(([name, content]) => [name, content.length]));
    console.log(`SECURITY 7 searched ${secrets.length} secrets in: ${JSON.stringify(sizes)} (characters)`);
    for (const [name, content] of places) expect(content.length, name).toBeGreaterThan(100);
    expect(model.requests.length, 'free text reached the model').toBeGreaterThanOrEqual(4);
    expect(places.get('Redis dump')).toContain('code:{secrets-dani}');
    expect(places.get('handoff packet')).toContain('<number>');
    // The owner questions were asked and answered, and only their results were kept.
    expect(places.get('handoff packet')).toContain('"ownerIdentification":{"paymentDetails":"not_matched","securityQuestion":"not_matched"}');
    expect(places.get('handoff packet')).toContain('{"withheld":"answer"}');
  });

  it.each(['log', 'audit trail', 'Redis dump', 'language-model requests', 'metrics', 'handoff packet'])('finds no secret in the %s', (place) => {
    const content = places.get(place)!;
    const found = secrets.filter((s) => contains(content, s.value)).map((s) => `${s.what}: ${s.value}`);
    expect(found).toEqual([]);
  });

  it('stores a pending code and a live reset token only as HMAC-SHA-256 under the server key', async () => {
    const keyed = new Secrets(SECRET_KEY);
    const subject = (await contextOf(h, pending.conv)).subject;
    const record = JSON.parse((await h.app.store.get(`code:{${pending.conv}}`))!) as { hash: string };
    expect(record.hash).toBe(keyed.hash('code', `${pending.conv}|${subject}|${pending.code}`));
    // A hash made without the key (plain SHA-256) is not what is stored.
    const { createHash } = await import('node:crypto');
    expect(record.hash).not.toBe(createHash('sha256').update(`${pending.conv}|${subject}|${pending.code}`).digest('hex'));

    const unused = secrets.find((s) => s.what === 'reset token (unused)')!.value;
    expect(await h.app.store.get(`reset:{${keyed.hash('reset', unused)}}`)).not.toBeNull();
  });
});
