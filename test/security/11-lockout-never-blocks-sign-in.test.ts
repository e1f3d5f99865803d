// SECURITY.md 11: a recovery lockout never blocks the owner's normal sign-in. Ana's self-service recovery is
// locked by ten wrong codes from two conversations; while it is locked she still signs in with her password
// (and gets a working session), and recovery stays paused for her.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ANA, sessionStatus, signIn } from '../transcripts/story.js';
import { keysOf, startApp, type Harness } from './helpers.js';

const LIMIT = loadConfig({}).policy.accountFailuresPerWindow;

let h: Harness;
beforeAll(async () => {
  // The growing delays (item 9) are off so the lock comes after ten tries in a row; the limit is the default.
  h = await startApp({ ATTEMPT_DELAYS_SECONDS: '0' });
});
afterAll(() => h.close());

describe('a recovery lockout and normal sign-in (SECURITY.md 11)', () => {
  it('lets the owner sign in while her recovery is locked', async () => {
    const answers: string[] = [];
    for (const conv of ['lock-1', 'lock-2']) {
      await h.say(conv, 'I forgot my password');
      await h.say(conv, ANA.email);
      await h.press(conv, 'channel_email');
    }
    for (let i = 0; i < LIMIT; i++) {
      answers.push(...keysOf('en', await h.send(i < 5 ? 'lock-1' : 'lock-2', { text: '000000', locale: 'en-US' })).slice(0, 1));
    }
    expect(answers.at(-1)).toBe('locked_out');
    expect(h.audit.entries().filter((e) => e.accountId === 'acct-ana' && e.event === 'locked')).toHaveLength(1);

    // Locked: no new code for her, in a new conversation either.
    await h.say('lock-3', 'I forgot my password');
    await h.say('lock-3', ANA.email);
    expect(keysOf('en', await h.send('lock-3', { value: { choice: 'channel_email' }, locale: 'en-US' }))).toEqual(['locked_out']);

    // And yet her normal sign-in works, now and later in the lockout, and its session is good.
    const now = await signIn(h, ANA.email, ANA.password);
    h.clock.advance(30 * 60_000);
    const later = await signIn(h, ANA.email, ANA.password);
    console.log(`SECURITY 11 sign-in during the lockout: ${now.status} at once, ${later.status} 30 minutes in`);
    expect(now.status).toBe(200);
    expect(later.status).toBe(200);
    expect(await sessionStatus(h, later.session!)).toBe(200);
    // A wrong password is still refused: sign-in was not opened up, only left alone.
    expect((await signIn(h, ANA.email, 'not-her-password-at-all')).status).toBe(401);
    expect(keysOf('en', await h.send('lock-3', { text: 'hello', locale: 'en-US' }))).toEqual(['locked_out']);
  });
});
