// Configuration of the language-model classifier: defaults, bounds that name the variable, and the rule
// that OPENAI_API_KEY or OPENAI_BASE_URL alone (a keyless local server) switches the app to the tiered classifier.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startHarness } from '../helpers/bot-harness.js';
import { reply, startOpenAIStandIn } from '../helpers/openai-stand-in.js';

describe('LLM_* configuration', () => {
  it('has defaults that need nothing set', () => {
    expect(loadConfig({}).llm).toEqual({
      timeoutMs: 3000,
      threshold: 0.6,
      breakerFailures: 5,
      breakerCooldownMs: 30_000,
      cacheSize: 1000,
      cacheTtlMs: 3_600_000,
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      LLM_TIMEOUT_MS: '1500',
      LLM_THRESHOLD: '0.75',
      LLM_BREAKER_FAILURES: '3',
      LLM_BREAKER_COOLDOWN_SECONDS: '10',
      LLM_CACHE_SIZE: '0',
      LLM_CACHE_TTL_SECONDS: '60',
    });
    expect(config.llm).toEqual({ timeoutMs: 1500, threshold: 0.75, breakerFailures: 3, breakerCooldownMs: 10_000, cacheSize: 0, cacheTtlMs: 60_000 });
  });

  it.each([
    ['LLM_TIMEOUT_MS', '50'],
    ['LLM_TIMEOUT_MS', '30001'],
    ['LLM_TIMEOUT_MS', 'soon'],
    ['LLM_THRESHOLD', '1.5'],
    ['LLM_THRESHOLD', '-0.1'],
    ['LLM_BREAKER_FAILURES', '0'],
    ['LLM_BREAKER_COOLDOWN_SECONDS', '0'],
    ['LLM_CACHE_SIZE', '-1'],
    ['LLM_CACHE_SIZE', '1000001'],
    ['LLM_CACHE_TTL_SECONDS', '0'],
  ])('refuses %s=%s with a message naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`${name}: `));
  });
});

describe('choosing the classifier', () => {
  it('uses the model with OPENAI_BASE_URL alone (a keyless local server), and never without OPENAI_*', async () => {
    const model = await startOpenAIStandIn(() => reply.answer({ intent: 'help', language: 'es', confidence: 0.9 }));
    const keyless = await startHarness({ OPENAI_BASE_URL: model.baseUrl, LLM_THRESHOLD: '1' });
    const offlineOnly = await startHarness({ LLM_THRESHOLD: '1' });
    try {
      await keyless.say('keyless', 'mmm no sé qué hacer con esto', 'es-ES');
      expect(model.requests).toHaveLength(1);
      await offlineOnly.say('offline-only', 'mmm no sé qué hacer con esto', 'es-ES');
      expect(model.requests).toHaveLength(1);
    } finally {
      await keyless.close();
      await offlineOnly.close();
      await model.close();
    }
  });
});
