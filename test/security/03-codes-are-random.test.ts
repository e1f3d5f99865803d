// SECURITY.md 3: one-time codes come from crypto.randomInt and have at least 6 digits. 10^5 codes from the
// generator the verification service uses pass a chi-square test of uniformity for every digit position, for
// the leading pair of digits and for the code's value in 1,000 bins; the same tests reject a generator with
// modulo bias or a stuck digit, so they can tell. The sources are read to check where the randomness comes from.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { randomDigits } from '../../src/services/secrets.js';
import { chiSquareP, startApp } from './helpers.js';

const CODES = 100_000;
const DIGITS = 6;
/** Eight tests per batch: 0.001 split between them (Bonferroni), so a fair generator fails 1 run in 1,000. */
const ALPHA = 0.001 / 8;

const source = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/** Chi-square of observed counts against a uniform expectation. */
function chiSquare(counts: number[]): { statistic: number; p: number } {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  const statistic = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
  return { statistic, p: chiSquareP(statistic, counts.length - 1) };
}

/** Every uniformity test we run on a batch of codes, with its p-value. */
function uniformity(codes: string[]): Record<string, { statistic: number; p: number }> {
  const results: Record<string, { statistic: number; p: number }> = {};
  for (let position = 0; position < DIGITS; position++) {
    const counts = new Array<number>(10).fill(0);
    for (const code of codes) counts[Number(code[position])]!++;
    results[`digit ${position + 1}`] = chiSquare(counts);
  }
  const pairs = new Array<number>(100).fill(0);
  for (const code of codes) pairs[Number(code.slice(0, 2))]!++;
  results['first two digits'] = chiSquare(pairs);
  const bins = new Array<number>(1000).fill(0);
  for (const code of codes) bins[Math.floor(Number(code) / 1000)]!++;
  results['value, 1,000 bins'] = chiSquare(bins);
  return results;
}

describe('one-time codes (SECURITY.md 3)', () => {
  it('come from crypto.randomInt, in the function the verification service calls', () => {
    const secrets = source('src/services/secrets.ts');
    expect(secrets).toMatch(/import \{[^}]*\brandomInt\b[^}]*\} from 'node:crypto'/);
    const generator = /export function randomDigits[\s\S]*?\n}/.exec(secrets)?.[0] ?? '';
    expect(generator).toContain('randomInt(0, 10)');
    expect(generator).not.toMatch(/Math\.random/);
    const service = source('src/services/verification-service.ts');
    expect(service).toMatch(/const code = randomDigits\(policy\.codeDigits\)/);
    expect(service + secrets, 'no other randomness where codes are made').not.toMatch(/Math\.random/);
  });

  it('are uniform over 10^5 codes: chi-square per digit position, leading pair and value (statistics printed)', () => {
    const codes = Array.from({ length: CODES }, () => randomDigits(DIGITS));
    expect(codes.every((c) => /^\d{6}$/.test(c))).toBe(true);
    const results = uniformity(codes);
    for (const [name, { statistic, p }] of Object.entries(results)) {
      console.log(`SECURITY 3 ${name}: chi-square ${statistic.toFixed(1)}, p = ${p.toFixed(4)} (${CODES} codes)`);
    }
    for (const [name, { p }] of Object.entries(results)) expect(p, name).toBeGreaterThan(ALPHA);
    // Few repeats: 10^5 draws from 10^6 values repeat about 4,800 times if uniform (birthday bound).
    const repeats = CODES - new Set(codes).size;
    console.log(`SECURITY 3 repeated codes among ${CODES}: ${repeats} (uniform: about 4,800)`);
    expect(repeats).toBeGreaterThan(4_200);
    expect(repeats).toBeLessThan(5_400);
  });

  it('would be caught if biased: the same tests reject modulo bias and a stuck digit', () => {
    // A random byte modulo 10, the classic mistake crypto.randomInt exists to avoid: 0-5 come 26 times in 256, 6-9 25.
    const bytes = randomBytes(CODES * DIGITS);
    const moduloBiased = Array.from({ length: CODES }, (_, i) =>
      Array.from({ length: DIGITS }, (_, d) => bytes[i * DIGITS + d]! % 10).join(''),
    );
    const stuck = Array.from({ length: CODES }, (_, i) => (i % 20 === 0 ? '7' : '') + randomDigits(DIGITS)).map((c) => c.slice(0, DIGITS));
    const worst = (codes: string[]) => Math.min(...Object.values(uniformity(codes)).map(({ p }) => p));
    console.log(`SECURITY 3 smallest p: modulo bias ${worst(moduloBiased).toExponential(1)}, stuck digit ${worst(stuck).toExponential(1)}`);
    expect(worst(moduloBiased)).toBeLessThan(ALPHA);
    expect(worst(stuck)).toBeLessThan(ALPHA);
  });

  it('have at least 6 digits: 6 by default, fewer refused at start-up, and the bot sends as many as configured', async () => {
    expect(loadConfig({}).policy.codeDigits).toBe(6);
    expect(() => loadConfig({ CODE_DIGITS: '5' })).toThrow(ConfigError);
    expect(loadConfig({ CODE_DIGITS: '8' }).policy.codeDigits).toBe(8);
    const h = await startApp({ CODE_DIGITS: '8' });
    try {
      await h.say('digits', 'I forgot my password');
      await h.say('digits', 'dani@example.com');
      await h.press('digits', 'channel_email');
      await h.app.delivery.drain();
      const message = h.app.outbox!.list().find((m) => m.to === 'dani@example.com' && m.purpose === 'code');
      expect(message?.text).toMatch(/\b\d{8}\b/);
    } finally {
      await h.close();
    }
  });
});
