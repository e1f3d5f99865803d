// Offline first, the model only below LLM_THRESHOLD, the offline answer when the model fails; each message
// counted under the path that answered it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { CircuitBreaker } from '../../src/nlu/circuit-breaker.js';
import type { Classification } from '../../src/nlu/classifier.js';
import { createOpenAIClient, LlmClassifier, type LlmFailure } from '../../src/nlu/llm-classifier.js';
import { LruCache } from '../../src/nlu/lru-cache.js';
import { loadDefaultOfflineClassifier, type OfflineClassifier } from '../../src/nlu/offline-classifier.js';
import { TieredClassifier, type ClassifierPath } from '../../src/nlu/tiered-classifier.js';
import { reply, startOpenAIStandIn, type OpenAIStandIn } from '../helpers/openai-stand-in.js';

let offline: OfflineClassifier;
let server: OpenAIStandIn;
beforeAll(async () => {
  offline = await loadDefaultOfflineClassifier();
  server = await startOpenAIStandIn();
});
afterAll(() => server.close());

function tiered(threshold: number) {
  const clock = new ManualClock();
  const paths: [ClassifierPath, LlmFailure | undefined][] = [];
  const classifier = new TieredClassifier({
    offline,
    threshold,
    llm: new LlmClassifier({
      client: createOpenAIClient({ apiKey: 'k', baseUrl: server.baseUrl, timeoutMs: 1000 }),
      model: 'm',
      timeoutMs: 1000,
      breaker: new CircuitBreaker({ failureThreshold: 5, cooldownMs: 1000, clock }),
      cache: new LruCache<Classification>(100, 60_000, clock),
      fallback: offline,
    }),
    onPath: (path, detail) => paths.push([path, detail.reason]),
  });
  return { classifier, paths };
}

const CLEAR = 'olvidé mi clave';
const UNCLEAR = 'asdf qwer';

describe('TieredClassifier', () => {
  it('answers confident messages offline, asks the model about the rest, and falls back when it fails', async () => {
    expect((await offline.classify(CLEAR)).confidence).toBeGreaterThanOrEqual(0.6);
    expect((await offline.classify(UNCLEAR)).confidence).toBeLessThan(0.6);
    server.requests.length = 0;
    const { classifier, paths } = tiered(0.6);

    server.respondWith(() => reply.answer({ intent: 'out_of_scope', language: 'en', confidence: 0.3 }));
    expect(await classifier.classify(CLEAR)).toEqual(await offline.classify(CLEAR));
    expect(server.requests).toHaveLength(0);
    expect(await classifier.classify(UNCLEAR)).toEqual({ intent: 'out_of_scope', language: 'en', confidence: 0.3 });
    expect(server.requests).toHaveLength(1);

    server.respondWith(() => reply.status(400));
    expect(await classifier.classify('zzz otra cosa rara')).toEqual(await offline.classify('zzz otra cosa rara'));

    expect(classifier.pathCounts).toEqual({ offline: 1, llm: 1, llmFallback: 1 });
    expect(paths).toEqual([
      ['offline', undefined],
      ['llm', undefined],
      ['llmFallback', 'http_error'],
    ]);
  });

  it('never asks the model at threshold 0, and always at threshold 1', async () => {
    server.respondWith(() => reply.answer({ intent: 'help', language: 'es', confidence: 0.9 }));
    server.requests.length = 0;
    const never = tiered(0);
    for (const text of [CLEAR, UNCLEAR, 'hola']) await never.classifier.classify(text);
    expect(server.requests).toHaveLength(0);
    expect(never.classifier.pathCounts.offline).toBe(3);

    const always = tiered(1);
    for (const text of [CLEAR, UNCLEAR, 'hola']) expect(await always.classifier.classify(text)).toMatchObject({ intent: 'help' });
    expect(server.requests).toHaveLength(3);
    expect(always.classifier.pathCounts).toEqual({ offline: 0, llm: 3, llmFallback: 0 });
  });
});
