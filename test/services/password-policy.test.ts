// SECURITY.md 19: the rules for a new password, and that every reason comes back as a key the page can
// say in Spanish and English.
import { describe, expect, it } from 'vitest';
import { isResetPageKey } from '../../dialogs/pages/reset-page.js';
import {
  commonPasswordCount,
  createPasswordPolicy,
  isCommonPassword,
} from '../../src/services/password-policy.js';

const policy = createPasswordPolicy();
const ana = { locale: 'es' as const, userInputs: ['Ana', 'ana@example.com'] };
const nobody = { locale: 'en' as const, userInputs: [] };
const passphrase64 = 'correct horse battery staple under the violet lamp at noon today';

describe('password policy', () => {
  it('ships a common/breached list of at least 10,000 entries', () => {
    expect(commonPasswordCount()).toBeGreaterThanOrEqual(10_000);
    expect(isCommonPassword('123456')).toBe(true);
    expect(isCommonPassword('PASSWORD')).toBe(true);
  });

  it('refuses Password1! as common, with page keys as feedback', () => {
    const result = policy.check('Password1!', nobody);
    expect(result.ok).toBe(false);
    expect(result.feedback).toContain('feedback_common');
    expect(result.feedback.every(isResetPageKey)).toBe(true);
  });

  it('refuses other common passwords dressed up with a suffix', () => {
    for (const password of ['Summer2024!', 'qwerty123456', 'iloveyou!!', 'Dragon#1']) {
      expect(policy.check(password, nobody).ok, password).toBe(false);
    }
  });

  it('accepts a 64-character passphrase', () => {
    expect([...passphrase64].length).toBe(64);
    expect(policy.check(passphrase64, ana)).toEqual({ ok: true, feedback: [] });
  });

  it('refuses 7 characters and accepts 8 or more when strong', () => {
    expect(policy.check('x9#Lq2!', nobody)).toEqual({ ok: false, feedback: ['feedback_too_short'] });
    expect(policy.check('frog lamp', nobody).ok).toBe(true);
    expect(policy.check('Vq7#mZ2pR', nobody).ok).toBe(true);
    // zxcvbn rates any 8 characters at most 10^8 guesses (score 2), so at the default score 3 a random
    // 8-character password still needs one more character; with minScore 2 it passes the length rule alone.
    expect(policy.check('kjh8Gf#2', nobody).feedback).toContain('feedback_guessable');
    expect(createPasswordPolicy({ minScore: 2 }).check('kjh8Gf#2', nobody).ok).toBe(true);
  });

  it('counts Unicode characters, not bytes', () => {
    expect(policy.check('ñ'.repeat(7), nobody).feedback).toEqual(['feedback_too_short']);
    expect(policy.check('cigüeña azul bajo la lámpara violeta', ana).ok).toBe(true);
  });

  it('accepts up to 256 characters and refuses more without running the estimator', () => {
    const long = `${passphrase64} ${passphrase64} ${passphrase64} ${passphrase64}`.slice(0, 256);
    expect(policy.check(long, nobody).ok).toBe(true);
    const started = performance.now();
    expect(policy.check(`${long}x`.repeat(100), nobody)).toEqual({ ok: false, feedback: ['feedback_too_long'] });
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('has no composition rules: an all-lowercase passphrase with no digits or symbols is fine', () => {
    expect(policy.check('purple otter sings loudly', nobody).ok).toBe(true);
    expect(policy.check('tangerinewalrusbicyclesunset', nobody).ok).toBe(true);
  });

  it('refuses the person’s own email or name as the main part of the password', () => {
    for (const password of ['ana@example.com', 'Ana.Example.Com', 'AnaAnaAna2', 'ANA@EXAMPLE.COM!']) {
      const result = policy.check(password, ana);
      expect(result.ok, password).toBe(false);
      expect(result.feedback, password).toContain('feedback_personal');
    }
    // The same name inside a strong passphrase is fine.
    expect(policy.check('ana paints violet lamps at noon', ana).ok).toBe(true);
  });

  it('refuses guessable patterns with zxcvbn’s reasons turned into keys', () => {
    const keyboard = policy.check('qwertyuiopasdf', nobody);
    expect(keyboard.ok).toBe(false);
    expect(keyboard.feedback.every(isResetPageKey)).toBe(true);
    const repeats = policy.check('abcabcabcabc', nobody);
    expect(repeats.ok).toBe(false);
    expect(repeats.feedback.every(isResetPageKey)).toBe(true);
    expect(repeats.feedback.some((k) => k.startsWith('tip_'))).toBe(true);
  });

  it('makes the minimum strength an option, within the limits that must hold', () => {
    const lenient = createPasswordPolicy({ minScore: 1 });
    const strict = createPasswordPolicy({ minScore: 4 });
    expect(lenient.check('kjh8Gf#2', nobody).ok).toBe(true);
    expect(policy.check('kjh8Gf#2', nobody).ok).toBe(false);
    expect(policy.check('frog lamp', nobody).ok).toBe(true);
    expect(strict.check('frog lamp', nobody).ok).toBe(false);
    // Common and personal passwords stay refused whatever the score setting.
    expect(createPasswordPolicy({ minScore: 0 }).check('Password1!', nobody).ok).toBe(false);
    expect(() => createPasswordPolicy({ minLength: 6 })).toThrow(RangeError);
    expect(() => createPasswordPolicy({ maxLength: 32 })).toThrow(RangeError);
    expect(createPasswordPolicy({ minLength: 12 }).check('Vq7#mZ2pR', nobody).feedback).toEqual(['feedback_too_short']);
  });
});
