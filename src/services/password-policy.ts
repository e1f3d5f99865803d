// The new-password rules of the reset page (SECURITY.md 19, NIST SP 800-63B): a length range, no composition
// rules, refusal of common/breached passwords and of the person's own name or email, and zxcvbn strength.
// Feedback is message keys from dialogs/pages/reset-page.ts, so the page can say it in Spanish or English.
import { ZxcvbnFactory, type FeedbackType } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';
import { dictionary as englishWords } from '@zxcvbn-ts/language-en';
import { dictionary as spanishWords } from '@zxcvbn-ts/language-es-es';
import type { PasswordFeedbackKey } from '../../dialogs/pages/reset-page.js';
import type { PasswordCheck, PasswordPolicy } from './reset-service.js';

/** NIST's floor and the smallest maximum we may offer; options can move the defaults, never past these. */
export const MIN_LENGTH_FLOOR = 8;
export const MAX_LENGTH_FLOOR = 64;
/** Upper bound on what we check at all, so one request cannot buy seconds of CPU. */
export const MAX_LENGTH_CEILING = 256;

export interface PasswordPolicyOptions {
  /** Shortest allowed, in Unicode code points (default 8, never below 8). */
  minLength?: number;
  /** Longest allowed (default 256; between 64 and 256). */
  maxLength?: number;
  /** Lowest zxcvbn score accepted, 0 to 4 (default 3: "safely unguessable" against online attacks). */
  minScore?: 0 | 1 | 2 | 3 | 4;
}

/** A policy that can also tell the page its limits (for the form's minlength/maxlength and the copy). */
export interface ConfiguredPasswordPolicy extends PasswordPolicy {
  readonly minLength: number;
  readonly maxLength: number;
  readonly minScore: number;
  check(password: string, context: Parameters<PasswordPolicy['check']>[1]): PasswordCheck & { feedback: PasswordFeedbackKey[] };
}

// Loaded once at start: 49k passwords ranked by frequency, from the zxcvbn-ts common package.
const commonList = dictionary['passwords-common'];
const commonPasswords: ReadonlySet<string> = new Set(commonList.map((p) => p.normalize('NFKC').toLowerCase()));

/** How many entries the common/breached list holds (SECURITY.md 19 asks for at least 10,000). */
export const commonPasswordCount = (): number => commonPasswords.size;

// One estimator for the process: building its ranked dictionaries is the expensive part. Levenshtein
// matching is off because it costs ~80 ms a check; near misses of common passwords are caught below.
// English and Spanish words too: the people Clave serves pick passwords from both languages.
const zxcvbn = new ZxcvbnFactory({
  dictionary: { ...dictionary, ...englishWords, ...spanishWords },
  graphs: adjacencyGraphs,
  useLevenshteinDistance: false,
  maxLength: MAX_LENGTH_CEILING,
});

const warningKeys: Record<string, PasswordFeedbackKey> = {
  straightRow: 'feedback_keyboard_pattern',
  keyPattern: 'feedback_keyboard_pattern',
  simpleRepeat: 'feedback_repeats',
  extendedRepeat: 'feedback_repeats',
  sequences: 'feedback_sequence',
  recentYears: 'feedback_dates',
  dates: 'feedback_dates',
  topTen: 'feedback_common',
  topHundred: 'feedback_common',
  common: 'feedback_common',
  pwned: 'feedback_common',
  similarToCommon: 'feedback_similar_to_common',
  wordByItself: 'feedback_single_word',
  namesByThemselves: 'feedback_names',
  commonNames: 'feedback_names',
  userInputs: 'feedback_personal',
};

const suggestionKeys: Record<string, PasswordFeedbackKey> = {
  l33t: 'tip_l33t',
  reverseWords: 'tip_reversed',
  allUppercase: 'tip_capitalization',
  capitalization: 'tip_capitalization',
  dates: 'tip_dates',
  recentYears: 'tip_dates',
  associatedYears: 'tip_dates',
  sequences: 'tip_sequences',
  repeated: 'tip_repeats',
  longerKeyboardPattern: 'tip_keyboard',
  anotherWord: 'tip_add_words',
  useWords: 'tip_add_words',
  noNeed: 'tip_add_words',
  pwned: 'feedback_common',
};

/** Lower case, compatibility-normalised, accents removed: "José" and "jose" are the same word here. */
const fold = (value: string) => value.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
/** Letters and digits only, so "ana.example" and "ana-example!" compare alike. */
const alphanumeric = (value: string) => fold(value).replace(/[^\p{L}\p{N}]/gu, '');

/**
 * True when the password is on the common list, or is a common password with a few digits or symbols
 * stuck on either end ("Password1!", "Summer2024!"): the core is common and at least as long as the rest.
 */
export function isCommonPassword(password: string): boolean {
  const lower = password.normalize('NFKC').toLowerCase();
  if (commonPasswords.has(lower)) return true;
  const core = lower.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '');
  return core.length > 0 && core.length >= lower.length - core.length && commonPasswords.has(core);
}

/** The words a person's own details give away: full email, its local part and pieces, name and its words. */
function personalTokens(userInputs: string[]): string[] {
  const tokens = new Set<string>();
  for (const input of userInputs) {
    const value = input.trim();
    if (!value) continue;
    tokens.add(alphanumeric(value));
    const at = value.lastIndexOf('@');
    const local = at > 0 ? value.slice(0, at) : value;
    tokens.add(alphanumeric(local));
    for (const piece of fold(local).split(/[^\p{L}\p{N}]+/u)) tokens.add(piece);
  }
  // Very short pieces ("jo") would match inside unrelated words.
  return [...tokens].filter((t) => t.length >= 3).sort((a, b) => b.length - a.length);
}

/** True when, after taking out every occurrence of the person's details, less than half is left. */
export function isMostlyPersonal(password: string, userInputs: string[]): boolean {
  const whole = alphanumeric(password);
  if (!whole) return false;
  let rest = whole;
  for (const token of personalTokens(userInputs)) rest = rest.split(token).join('');
  return rest.length * 2 < whole.length;
}

function feedbackFrom(feedback: FeedbackType): PasswordFeedbackKey[] {
  const keys: PasswordFeedbackKey[] = [];
  const warning = feedback.warning ? warningKeys[feedback.warning] : undefined;
  if (warning) keys.push(warning);
  for (const suggestion of feedback.suggestions) {
    const key = suggestionKeys[suggestion];
    if (key) keys.push(key);
  }
  return keys;
}

const unique = <T>(values: T[]): T[] => [...new Set(values)];

function bounded(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`password policy ${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}

export function createPasswordPolicy(options: PasswordPolicyOptions = {}): ConfiguredPasswordPolicy {
  const maxLength = bounded('maxLength', options.maxLength ?? MAX_LENGTH_CEILING, MAX_LENGTH_FLOOR, MAX_LENGTH_CEILING);
  const minLength = bounded('minLength', options.minLength ?? MIN_LENGTH_FLOOR, MIN_LENGTH_FLOOR, maxLength);
  const minScore = bounded('minScore', options.minScore ?? 3, 0, 4);

  return {
    minLength,
    maxLength,
    minScore,
    check(password, context) {
      // NIST counts each Unicode code point as one character.
      const length = [...password.normalize('NFC')].length;
      if (length < minLength) return { ok: false, feedback: ['feedback_too_short'] };
      if (length > maxLength) return { ok: false, feedback: ['feedback_too_long'] };

      const result = zxcvbn.check(password, context.userInputs);
      const hints = feedbackFrom(result.feedback);
      const reasons: PasswordFeedbackKey[] = [];
      if (isCommonPassword(password)) reasons.push('feedback_common');
      if (isMostlyPersonal(password, context.userInputs)) reasons.push('feedback_personal');
      if (result.score < minScore && reasons.length === 0 && !hints.some((k) => k.startsWith('feedback_'))) {
        reasons.push('feedback_guessable');
      }
      if (reasons.length === 0 && result.score >= minScore) return { ok: true, feedback: [] };
      // Reasons first, then zxcvbn's warning and tips; when refused by our lists, a word of advice helps.
      // "Common" already says what "similar to common" would.
      const feedback = unique([...reasons, ...hints]).filter(
        (k) => !(k === 'feedback_similar_to_common' && reasons.includes('feedback_common')),
      );
      if (!feedback.some((k) => k.startsWith('tip_'))) feedback.push('tip_add_words');
      return { ok: false, feedback };
    },
  };
}
