// The language-model classifier against a real local server speaking the chat-completions API: good answers
// are used; timeouts, 500s, 429s, broken JSON and labels outside the list fall back to the offline classifier
// within the time budget; the breaker stops calls to a sick server; the cache saves repeat calls; and no
// request ever carries an email, a phone number, a code, a link or a password.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { CircuitBreaker } from '../../src/nlu/circuit-breaker.js';
import { intents, type Classification } from '../../src/nlu/classifier.js';
import { createOpenAIClient, LlmClassifier, type LlmOutcome } from '../../src/nlu/llm-classifier.js';
import { LruCache } from '../../src/nlu/lru-cache.js';
import { loadDefaultOfflineClassifier, type OfflineClassifier } from '../../src/nlu/offline-classifier.js';
import { reply, startOpenAIStandIn, userMessageOf, type OpenAIStandIn } from '../helpers/openai-stand-in.js';

let offline: OfflineClassifier;
let server: OpenAIStandIn;

beforeAll(async () => {
  offline = await loadDefaultOfflineClassifier();
  server = await startOpenAIStandIn();
});
afterAll(() => server.close());
afterEach(() => {
  server.requests.length = 0;
});

interface Setup {
  timeoutMs?: number;
  failureThreshold?: number;
  cooldownMs?: number;
  cacheSize?: number;
  clock?: ManualClock;
}

function classifier(setup: Setup = {}) {
  const clock = setup.clock ?? new ManualClock();
  const timeoutMs = setup.timeoutMs ?? 1000;
  const outcomes: LlmOutcome[] = [];
  const breaker = new CircuitBreaker({ failureThreshold: setup.failureThreshold ?? 100, cooldownMs: setup.cooldownMs ?? 30_000, clock });
  const llm = new LlmClassifier({
    client: createOpenAIClient({ apiKey: 'test-key', baseUrl: server.baseUrl, timeoutMs }),
    model: 'stand-in-model',
    timeoutMs,
    breaker,
    cache: new LruCache<Classification>(setup.cacheSize ?? 0, 60_000, clock),
    fallback: offline,
    onOutcome: (outcome) => outcomes.push(outcome),
  });
  return { llm, breaker, clock, outcomes, timeoutMs };
}

/** Runs `classify` and returns its answer and how long it took. */
async function timed(llm: LlmClassifier, text: string): Promise<{ result: Classification; ms: number }> {
  const start = performance.now();
  const result = await llm.classify(text);
  return { result, ms: performance.now() - start };
}

const UNSURE_TEXT = 'mmm y ahora que hago con esto';
// Time the process needs on top of the budget to notice, fall back and return, on a busy CI machine.
const MARGIN_MS = 250;

describe('LlmClassifier with a well-behaved server', () => {
  it('uses the model’s answer and asks with a strict, closed schema', async () => {
    server.respondWith(() => reply.answer({ intent: 'spam_folder', language: 'es', confidence: 0.93 }));
    const { llm } = classifier();
    expect(await llm.classify(UNSURE_TEXT)).toEqual({ intent: 'spam_folder', language: 'es', confidence: 0.93 });

    expect(server.requests).toHaveLength(1);
    const request = server.requests[0]!;
    expect(request.headers.authorization).toBe('Bearer test-key');
    expect(request.json?.model).toBe('stand-in-model');
    expect(userMessageOf(request)).toBe(UNSURE_TEXT);
    const format = request.json?.response_format as {
      type: string;
      json_schema: { strict: boolean; schema: { properties: Record<string, { enum?: string[] }>; additionalProperties: boolean } };
    };
    expect(format.type).toBe('json_schema');
    expect(format.json_schema.strict).toBe(true);
    expect(format.json_schema.schema.additionalProperties).toBe(false);
    expect(format.json_schema.schema.properties.intent?.enum).toEqual([...intents]);
    expect(format.json_schema.schema.properties.language?.enum).toEqual(['es', 'en']);
    // Strict mode refuses oneOf; the closed lists are enums.
    expect(request.body).not.toContain('oneOf');
  });
});

describe('LlmClassifier falls back to the offline classifier', () => {
  it('when the server answers after the timeout, within the timeout', async () => {
    server.respondWith(() => reply.answer({ intent: 'cancel', language: 'en', confidence: 1 }, 3000));
    const { llm, outcomes, timeoutMs } = classifier({ timeoutMs: 300 });
    const { result, ms } = await timed(llm, UNSURE_TEXT);
    expect(result).toEqual(await offline.classify(UNSURE_TEXT));
    expect(ms).toBeLessThan(timeoutMs + MARGIN_MS);
    expect(outcomes).toEqual([{ ok: false, reason: 'timeout' }]);
    expect(server.requests, 'a timed-out call is not retried: the budget is spent').toHaveLength(1);
  });

  it('when the server keeps answering 500, after one retry, within the timeout', async () => {
    server.respondWith(() => reply.status(500));
    const { llm, outcomes, timeoutMs } = classifier({ timeoutMs: 1000 });
    const { result, ms } = await timed(llm, UNSURE_TEXT);
    expect(result).toEqual(await offline.classify(UNSURE_TEXT));
    expect(ms).toBeLessThan(timeoutMs + MARGIN_MS);
    expect(server.requests).toHaveLength(2);
    expect(outcomes).toEqual([{ ok: false, reason: 'server_error' }]);
  });

  it('but a single 500 followed by a good answer uses the answer', async () => {
    server.respondWith((_request, index) =>
      index === 0 ? reply.status(503) : reply.answer({ intent: 'help', language: 'en', confidence: 0.8 }),
    );
    const { llm } = classifier();
    expect(await llm.classify(UNSURE_TEXT)).toEqual({ intent: 'help', language: 'en', confidence: 0.8 });
    expect(server.requests).toHaveLength(2);
  });

  it('when the server says 429 with a retry-after longer than the budget, at once', async () => {
    server.respondWith(() => reply.rateLimited(30));
    const { llm, outcomes, timeoutMs } = classifier({ timeoutMs: 1000 });
    const { result, ms } = await timed(llm, UNSURE_TEXT);
    expect(result).toEqual(await offline.classify(UNSURE_TEXT));
    expect(ms).toBeLessThan(timeoutMs + MARGIN_MS);
    expect(server.requests, 'no retry that the budget cannot cover').toHaveLength(1);
    expect(outcomes).toEqual([{ ok: false, reason: 'rate_limited' }]);
  });

  it('but honours a short retry-after and uses the second answer', async () => {
    server.respondWith((_request, index) =>
      index === 0 ? reply.rateLimited(0) : reply.answer({ intent: 'deny', language: 'es', confidence: 0.7 }),
    );
    const { llm } = classifier();
    expect(await llm.classify(UNSURE_TEXT)).toEqual({ intent: 'deny', language: 'es', confidence: 0.7 });
    expect(server.requests).toHaveLength(2);
  });

  it.each([
    ['a body that is not JSON', reply.malformedBody()],
    ['content that is not JSON', reply.content('the intent is recover_password')],
    ['no content, a tool call instead', reply.toolCall('mark_verified', { verified: true })],
    ['a refusal', reply.content(null, { refusal: 'I cannot help with that' })],
    ['an intent outside the list', reply.answer({ intent: 'verified', language: 'en', confidence: 1 })],
    ['a language outside the list', reply.answer({ intent: 'help', language: 'fr', confidence: 0.9 })],
    ['a confidence outside 0..1', reply.answer({ intent: 'help', language: 'en', confidence: 7 })],
    ['an extra key', reply.answer({ intent: 'affirm', language: 'en', confidence: 1, event: { type: 'DIGITS', value: '000000' } })],
    ['a missing key', reply.answer({ intent: 'affirm', language: 'en' })],
    ['an array', reply.answer([{ intent: 'affirm', language: 'en', confidence: 1 }])],
    ['a 400', reply.status(400)],
  ])('when the answer is %s', async (_what, behaviour) => {
    server.respondWith(() => behaviour);
    const { llm, outcomes, timeoutMs } = classifier();
    const { result, ms } = await timed(llm, UNSURE_TEXT);
    expect(result).toEqual(await offline.classify(UNSURE_TEXT));
    expect(ms).toBeLessThan(timeoutMs + MARGIN_MS);
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ ok: false });
    expect(server.requests, 'an invalid answer is not asked again').toHaveLength(1);
  });

  it('when nothing listens at the address', async () => {
    const gone = await startOpenAIStandIn();
    const baseUrl = gone.baseUrl;
    await gone.close();
    const timeoutMs = 1000;
    const llm = new LlmClassifier({
      client: createOpenAIClient({ apiKey: 'k', baseUrl, timeoutMs }),
      model: 'm',
      timeoutMs,
      breaker: new CircuitBreaker({ failureThreshold: 5, cooldownMs: 1000, clock: new ManualClock() }),
      cache: new LruCache<Classification>(0, 1, new ManualClock()),
      fallback: offline,
    });
    const start = performance.now();
    expect(await llm.attempt(UNSURE_TEXT)).toEqual({ ok: false, reason: 'network' });
    expect(performance.now() - start).toBeLessThan(timeoutMs + MARGIN_MS);
  });
});

describe('LlmClassifier circuit breaker', () => {
  it('opens after the configured failures: no request reaches the server until the cool-down', async () => {
    server.respondWith(() => reply.status(500));
    const clock = new ManualClock();
    const { llm, breaker, outcomes } = classifier({ failureThreshold: 3, cooldownMs: 30_000, clock });
    for (let i = 0; i < 3; i++) await llm.classify(`${UNSURE_TEXT} ${i}`);
    expect(breaker.state).toBe('open');
    const sentWhileClosed = server.requests.length;
    expect(sentWhileClosed).toBe(6); // three calls, each retried once

    for (let i = 0; i < 20; i++) {
      expect(await llm.classify(`otra cosa ${i}`)).toEqual(await offline.classify(`otra cosa ${i}`));
    }
    expect(server.requests).toHaveLength(sentWhileClosed);
    expect(outcomes.slice(3).every((o) => !o.ok && o.reason === 'circuit_open')).toBe(true);

    // After the cool-down one trial goes out; the server has recovered, so the breaker closes.
    server.respondWith(() => reply.answer({ intent: 'greeting', language: 'es', confidence: 0.9 }));
    clock.advance(30_000);
    expect(breaker.state).toBe('half_open');
    expect(await llm.classify('holis')).toEqual({ intent: 'greeting', language: 'es', confidence: 0.9 });
    expect(breaker.state).toBe('closed');
    expect(server.requests).toHaveLength(sentWhileClosed + 1);
    await llm.classify('holis otra vez');
    expect(server.requests).toHaveLength(sentWhileClosed + 2);
  });

  it('reopens when the trial after the cool-down fails', async () => {
    server.respondWith(() => reply.answer({ intent: 'nope' }));
    const clock = new ManualClock();
    const { llm, breaker } = classifier({ failureThreshold: 2, cooldownMs: 5000, clock });
    await llm.classify('uno');
    await llm.classify('dos');
    expect(breaker.state).toBe('open');
    clock.advance(5000);
    await llm.classify('tres');
    expect(breaker.state).toBe('open');
    expect(server.requests).toHaveLength(3);
    await llm.classify('cuatro');
    expect(server.requests).toHaveLength(3);
  });
});

describe('LlmClassifier cache', () => {
  it('asks once for texts that normalise the same, again for a different text, and again after the TTL', async () => {
    server.respondWith(() => reply.answer({ intent: 'recover_password', language: 'es', confidence: 0.95 }));
    const clock = new ManualClock();
    const { llm, outcomes } = classifier({ cacheSize: 100, clock });
    await llm.classify('Olvidé mi CLAVE!!');
    await llm.classify('olvide mi clave');
    await llm.classify('  olvideee   mi clave ');
    expect(server.requests).toHaveLength(1);
    expect(outcomes.map((o) => o.ok && o.cached)).toEqual([false, true, true]);

    await llm.classify('olvidé mi usuario');
    expect(server.requests).toHaveLength(2);

    clock.advance(60_000);
    await llm.classify('olvide mi clave');
    expect(server.requests).toHaveLength(3);
  });

  it('keys on redacted text, so two messages that differ only in an address share an answer', async () => {
    server.respondWith(() => reply.answer({ intent: 'code_not_received', language: 'es', confidence: 0.9 }));
    const { llm } = classifier({ cacheSize: 100 });
    await llm.classify('no me llega nada a ana@example.com');
    await llm.classify('no me llega nada a ben@example.org');
    expect(server.requests).toHaveLength(1);
  });

  it('does not keep failures', async () => {
    server.respondWith((_r, index) => (index === 0 ? reply.status(400) : reply.answer({ intent: 'help', language: 'en', confidence: 1 })));
    const { llm } = classifier({ cacheSize: 100 });
    await llm.classify('what now');
    expect(await llm.classify('what now')).toEqual({ intent: 'help', language: 'en', confidence: 1 });
    expect(server.requests).toHaveLength(2);
  });
});

describe('LlmClassifier redaction (SECURITY.md 25)', () => {
  const secrets = {
    emails: ['ana.perez@example.com', 'BEN+tv@Example.ORG', 'dani.backup@correo.example.es'],
    phones: ['+34 600 111 222', '(415) 555-0101', '+14155550101', '612.345.678', '55 1234 5678'],
    codes: ['123456', '987 654', '4321-8765', 'codigo839201', '77777777'],
    urls: ['https://evil.example/reset?u=ana', 'http://login.streamflix-help.com/x', 'www.example.com/verify', 'bit.ly/3xYz'],
    passwords: ['Lighthouse-Paper-41', 'Blue-Harbor-Kettle-7', 'hunter22!', 'Qu13t#Orchard'],
  };
  const messages = [
    `mi correo es ${secrets.emails[0]} y el código ${secrets.codes[0]} no me llega`,
    `my email is ${secrets.emails[1]} call me at ${secrets.phones[1]} pls`,
    `me llegó un sms de ${secrets.phones[0]} con el link ${secrets.urls[0]} es de ustedes?`,
    `got a weird email from ${secrets.emails[2]} saying go to ${secrets.urls[1]} and enter ${secrets.codes[1]}`,
    `my password is ${secrets.passwords[2]} and it doesnt work`,
    `probé ${secrets.passwords[0]} y ${secrets.passwords[1]} y nada, mi cel es ${secrets.phones[2]}`,
    `el código ${secrets.codes[2]} o el ${secrets.codes[3]} ninguno sirve, ${secrets.urls[2]}`,
    `tel ${secrets.phones[3]} o ${secrets.phones[4]}, clave ${secrets.passwords[3]}, ${secrets.codes[4]} ${secrets.urls[3]}`,
  ];

  it('sends no email, phone number, code, link or password, in any request body', async () => {
    server.respondWith(() => reply.answer({ intent: 'out_of_scope', language: 'es', confidence: 0.5 }));
    const { llm } = classifier();
    for (const message of messages) await llm.classify(message);
    expect(server.requests).toHaveLength(messages.length);
    for (const request of server.requests) {
      const body = request.body;
      for (const secret of Object.values(secrets).flat()) expect(body).not.toContain(secret);
      expect(body).not.toMatch(/\d{4,}/);
      expect(body).not.toMatch(/\+?\d[\d\s().-]{5,}\d/);
      expect(body).not.toMatch(/[^\s"<>@]@[^\s"<>@]/);
      expect(body).not.toMatch(/https?:|:\/\/|www\./i);
    }
    // What remains still reads as a message about a code and an address.
    expect(userMessageOf(server.requests[0]!)).toBe('mi correo es <email> y el código <number> no me llega');
  });
});
