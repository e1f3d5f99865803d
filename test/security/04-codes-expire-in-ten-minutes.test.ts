// SECURITY.md 4: a code expires in at most 10 minutes (default 10). With the clock at +10:01 the right code is
// refused as expired, and verifies nothing; at +9:59 it still works. Longer than 10 minutes cannot be configured.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { ANA, DANI } from '../transcripts/story.js';
import { keysOf, startApp, stateOf, type Harness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startApp();
});
afterAll(() => h.close());

/** A conversation waiting for the code just sent to `email`; returns that code. */
async function codeSentTo(conv: string, email: string): Promise<string> {
  await h.say(conv, 'I forgot my password');
  await h.say(conv, email);
  await h.press(conv, 'channel_email');
  const [code] = await h.codesFor(email);
  expect(code).toMatch(/^\d{6}$/);
  return code!;
}

describe('code expiry (SECURITY.md 4)', () => {
  it('is 10 minutes by default and cannot be set longer', () => {
    expect(loadConfig({}).policy.codeTtlMs).toBe(10 * 60_000);
    expect(() => loadConfig({ CODE_TTL_MINUTES: '11' })).toThrow(ConfigError);
    expect(() => loadConfig({ CODE_TTL_MINUTES: '11' })).toThrow(/CODE_TTL_MINUTES/);
  });

  it('refuses the right code at +10:01 as expired, and nothing is verified', async () => {
    const code = await codeSentTo('expiry-late', DANI.email);
    h.clock.advance(10 * 60_000 + 1_000);
    const replies = await h.send('expiry-late', { text: code, locale: 'en-US' });
    console.log(`SECURITY 4 right code at +10:01 → ${keysOf('en', replies).join(', ')}`);
    expect(keysOf('en', replies)).toEqual(['code_expired', 'ask_code']);
    expect(await stateOf(h, 'expiry-late')).toBe('journey.awaitingCode');
    const verified = h.audit.entries().filter((e) => e.conversationId === 'expiry-late' && e.event === 'code_verified');
    expect(verified).toEqual([]);
    // Typed again, it is still refused: expiry is not a one-off answer.
    expect(keysOf('en', await h.send('expiry-late', { text: code, locale: 'en-US' }))).toEqual(['code_expired', 'ask_code']);
  });

  it('still takes the right code at +9:59', async () => {
    const code = await codeSentTo('expiry-in-time', ANA.email);
    h.clock.advance(9 * 60_000 + 59_000);
    const replies = await h.send('expiry-in-time', { text: code, locale: 'en-US' });
    expect(keysOf('en', replies)).toEqual(['code_verified', 'reset_link']);
  });
});
