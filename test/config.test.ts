import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { PRODUCTION_ENV } from './helpers/production-env.js';

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

  it('nudges after 120 quiet seconds by default, never with 0, and refuses a poll interval out of range', () => {
    expect(loadConfig({}).nudge).toEqual({ afterMs: 120_000, pollMs: 1000 });
    expect(loadConfig({ NUDGE_AFTER_SECONDS: '0', NUDGE_POLL_MS: '50' }).nudge).toEqual({ afterMs: 0, pollMs: 50 });
    for (const [name, value] of [
      ['NUDGE_AFTER_SECONDS', '-1'],
      ['NUDGE_AFTER_SECONDS', 'soon'],
      ['NUDGE_POLL_MS', '10'],
    ] as const) {
      expect(() => loadConfig({ [name]: value }), `${name}=${value}`).toThrow(new RegExp(`${name}: `));
    }
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
    expect(loadConfig(PRODUCTION_ENV).devRoutes).toBe(false);
    expect(loadConfig({ ...PRODUCTION_ENV, DEV_ROUTES: 'true' }).devRoutes).toBe(false);
    expect(loadConfig({ DEV_ROUTES: 'false' }).devRoutes).toBe(false);
  });

  it('drops a trailing slash from the public base URL so links are well formed', () => {
    expect(loadConfig({ PUBLIC_BASE_URL: 'https://help.example.com/' }).publicBaseUrl).toBe('https://help.example.com');
  });

  it('asks the card questions before a handoff by default, the security question only when turned on (SECURITY.md 17)', () => {
    expect(loadConfig({}).ownerCheck).toEqual({ paymentDetails: true, securityQuestion: false });
    expect(loadConfig({ OWNER_CHECK: 'off', SECURITY_QUESTION: 'on' }).ownerCheck).toEqual({ paymentDetails: false, securityQuestion: true });
    expect(() => loadConfig({ SECURITY_QUESTION: 'true' })).toThrow(/SECURITY_QUESTION/);
    expect(() => loadConfig({ OWNER_CHECK: 'yes' })).toThrow(/OWNER_CHECK/);
  });
});
