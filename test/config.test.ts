import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('configuration', () => {
  it('runs with nothing set: the embedded development defaults', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3978);
    expect(config.publicBaseUrl).toBe('http://localhost:3978');
    expect(config.devRoutes).toBe(true);
    expect(config.redisUrl).toBeUndefined();
    expect(config.policy.codeTtlMs).toBe(10 * 60_000);
    expect(config.policy.codeDigits).toBe(6);
    expect(config.policy.resetLinkTtlMs).toBe(15 * 60_000);
  });

  it('treats empty strings from a .env file as unset', () => {
    expect(loadConfig({ REDIS_URL: '', PORT: '' }).port).toBe(3978);
  });

  it('names the variable when a value is bad', () => {
    const attempt = () => loadConfig({ PORT: 'eighty', PUBLIC_BASE_URL: 'not a url' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toMatch(/^PORT: /m);
      expect(problems).toMatch(/^PUBLIC_BASE_URL: /m);
    }
  });

  it('refuses security limits past what SECURITY.md allows', () => {
    for (const [name, value] of [
      ['CODE_TTL_MINUTES', '11'],
      ['CODE_DIGITS', '5'],
      ['ACCOUNT_FAILURES_PER_HOUR', '101'],
      ['RESET_LINK_TTL_MINUTES', '16'],
      ['SECRET_KEY', 'short'],
    ] as const) {
      expect(() => loadConfig({ [name]: value }), name).toThrow(new RegExp(name));
    }
  });

  it('never serves development routes in production, even when asked', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).devRoutes).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', DEV_ROUTES: 'true' }).devRoutes).toBe(false);
    expect(loadConfig({ DEV_ROUTES: 'false' }).devRoutes).toBe(false);
  });

  it('drops a trailing slash from the public base URL so links are well formed', () => {
    expect(loadConfig({ PUBLIC_BASE_URL: 'https://help.example.com/' }).publicBaseUrl).toBe('https://help.example.com');
  });
});
