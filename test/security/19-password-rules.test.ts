// SECURITY.md 19: the rules on the reset page — at least 8 characters (12+ recommended in the copy), up to at
// least 64, no composition rules, paste allowed, common and breached passwords refused (a list of at least
// 10,000 ships with the project), strength feedback. Through the real page: `Password1!` is refused with
// feedback and leaves the link usable; a 64-character passphrase of lower-case words is accepted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commonPasswordCount, createPasswordPolicy, MAX_LENGTH_FLOOR } from '../../src/services/password-policy.js';
import { ANA, DANI, signIn, submitNewPassword } from '../transcripts/story.js';
import { linkIn, startApp, type Harness } from './helpers.js';

const PASSPHRASE_64 = 'quiet herons wait beside the frozen lake for the first pale glow';

let h: Harness;
beforeAll(async () => {
  h = await startApp({ SENDS_PER_15_MINUTES: '10' });
});
afterAll(() => h.close());

let n = 0;
async function linkFor(email: string): Promise<string> {
  const conv = `rules-${++n}`;
  await h.say(conv, 'I forgot my password');
  await h.say(conv, email);
  await h.press(conv, 'channel_email');
  return linkIn(await h.say(conv, (await h.codesFor(email))[0]!))!;
}

/** The problems the page lists after a refused password. */
const problemsIn = (html: string) => [...html.matchAll(/<li>([^<]+)<\/li>/g)].map((m) => m[1]!);

describe('password rules on the reset page (SECURITY.md 19)', () => {
  it('refuses Password1! with feedback, and the link still works for a 64-character passphrase', async () => {
    expect([...PASSPHRASE_64]).toHaveLength(64);
    expect(PASSPHRASE_64).toMatch(/^[a-z ]+$/); // no digits, capitals or symbols: no composition rules
    const url = await linkFor(DANI.email);

    const refused = await submitNewPassword(h, url, 'Password1!');
    console.log(`SECURITY 19 "Password1!" → ${refused.status}: ${problemsIn(refused.html).join(' / ')}`);
    expect(refused.status).toBe(422);
    expect(problemsIn(refused.html).length).toBeGreaterThan(0);
    expect(refused.html, 'the refused password is not sent back').not.toContain('Password1!');

    const accepted = await submitNewPassword(h, url, PASSPHRASE_64);
    console.log(`SECURITY 19 a 64-character passphrase → ${accepted.status}`);
    expect(accepted.status).toBe(200);
    expect((await signIn(h, DANI.email, PASSPHRASE_64)).status).toBe(200);
  });

  it('needs 8 characters, allows far more than 64, and says 12 or more is better', async () => {
    const url = await linkFor(ANA.email);
    const page = await (await fetch(h.local(url))).text();
    const maxlength = Number(/maxlength="(\d+)"/.exec(page)?.[1]);
    expect(/minlength="(\d+)"/.exec(page)?.[1]).toBe('8');
    expect(maxlength).toBeGreaterThanOrEqual(64);
    expect(MAX_LENGTH_FLOOR).toBeGreaterThanOrEqual(64);
    expect(page).toMatch(/12 or more/);
    // Paste allowed: nothing on the field blocks it, and the browser may fill it from a password manager.
    const field = /<input id="password"[^>]*>/.exec(page)![0];
    expect(field).not.toMatch(/onpaste|oncopy|ondrop|autocomplete="off"/i);
    expect(field).toContain('autocomplete="new-password"');
    expect(page).not.toMatch(/addEventListener\('paste'|preventDefault/);

    const tooShort = await submitNewPassword(h, url, 'a7#kQ2z');
    expect(tooShort.status, '7 characters').toBe(422);
    const long = `${PASSPHRASE_64} and then a little more to carry it well past sixty-four characters`;
    expect(long.length).toBeGreaterThan(128);
    expect((await submitNewPassword(h, url, long)).status, `${long.length} characters`).toBe(200);
  });

  it('refuses common and breached passwords from a list of at least 10,000, however they are dressed up', () => {
    const policy = createPasswordPolicy();
    const context = { locale: 'en' as const, userInputs: ['Ana', 'ana@example.com'] };
    console.log(`SECURITY 19 common passwords shipped: ${commonPasswordCount()}`);
    expect(commonPasswordCount()).toBeGreaterThanOrEqual(10_000);
    for (const common of ['Password1!', 'password123', 'Qwerty123!', 'iloveyou', 'Summer2024!', 'letmein!!', 'Contraseña1']) {
      const check = policy.check(common, context);
      expect(check.ok, common).toBe(false);
      expect(check.feedback.length, `${common} gets feedback`).toBeGreaterThan(0);
    }
    expect(policy.check('ana@example.com2024', context).ok, 'the person’s own email').toBe(false);
    expect(policy.check(PASSPHRASE_64, context)).toEqual({ ok: true, feedback: [] });
  });
});
