// The README's "Security model" states one guarantee per SECURITY.md requirement and names the test that
// proves it. This keeps the list, the requirement numbers and the test files from drifting apart.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');
const section = /<!-- security:start -->([\s\S]*?)<!-- security:end -->/.exec(readme)?.[1] ?? '';
const items = [...section.matchAll(/^(\d+)\. ([\s\S]*?)(?=^\d+\. |^\*\*|$(?![\s\S]))/gm)].map((m) => ({
  number: Number(m[1]),
  text: m[2] ?? '',
}));
const securityTests = readdirSync(new URL('test/security/', root)).filter((f) => /^\d\d-.*\.test\.ts$/.test(f));

describe('README security model', () => {
  it('states every requirement once, in order: 1 to 26', () => {
    expect(items.map((i) => i.number)).toEqual(Array.from({ length: 26 }, (_, i) => i + 1));
  });

  it('names, for each guarantee, the test file with its number, and that file exists', () => {
    for (const { number, text } of items) {
      const named = /`(test\/security\/(\d\d)-[\w-]+\.test\.ts)`/.exec(text);
      expect(named, `item ${number} names no test`).not.toBeNull();
      expect(Number(named?.[2]), `item ${number} names another item's test`).toBe(number);
      expect(existsSync(new URL(named?.[1] ?? '', root)), `${named?.[1]} is missing`).toBe(true);
    }
  });

  it('has a test file for every requirement and no guarantee without one', () => {
    expect(securityTests.map((f) => Number(f.slice(0, 2)))).toEqual(items.map((i) => i.number));
  });
});
