// Turns what the person sent into one chart event. Buttons, emails, phone numbers, codes, language
// commands and password-looking text are parsed here, deterministically; only free text reaches the
// classifier, and the classifier's answer is only ever mapped to an intent event.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import type { Choice, FaqTopic, Locale, RecoveryEvent } from '../../machines/recovery.types.js';
import type { Classification, Intent, IntentClassifier } from '../nlu/classifier.js';
import { looksLikePassword } from '../nlu/password-like.js';
import { isCardLast4, isPostalCode, normalisePostalCode, withoutSeparators } from '../services/account-directory.js';

/** What the current state waits for, read from its `expects:*` tag. */
export type Expectation =
  | 'intent'
  | 'identifier'
  | 'channel'
  | 'code'
  | 'second_factor'
  | 'reset'
  | 'card_last4'
  | 'postal_code'
  | 'security_answer'
  | 'none';

/** Steps whose answer only the owner knows: parsed here alone, never classified, never kept or repeated. */
const OWNER_ANSWER_STEPS: ReadonlySet<Expectation> = new Set(['card_last4', 'postal_code', 'security_answer']);

export interface ParsedInput {
  event: RecoveryEvent;
  /** The language the text was written in, when it could be judged; null for codes, buttons, emails. */
  language: Locale | null;
  /** Which path decided: useful for metrics; never the text itself. */
  path: 'button' | 'fast' | 'classifier';
  /** The text was an owner-identification answer (or an attempt at one): keep none of it, anywhere. */
  secret?: boolean;
  classification?: Classification;
}

const choiceEvents: Record<Choice, RecoveryEvent> = {
  recover: { type: 'RECOVER' },
  agent: { type: 'AGENT' },
  channel_email: { type: 'CHOOSE_CHANNEL', channel: 'email' },
  channel_alt_email: { type: 'CHOOSE_CHANNEL', channel: 'alt_email' },
  channel_sms: { type: 'CHOOSE_CHANNEL', channel: 'sms' },
  resend: { type: 'RESEND' },
  switch_channel: { type: 'SWITCH_CHANNEL' },
  code_not_received: { type: 'CODE_NOT_RECEIVED' },
  use_recovery_code: { type: 'USE_RECOVERY_CODE' },
  lost_2fa: { type: 'LOST_2FA' },
  new_link: { type: 'NEW_LINK' },
  start_over: { type: 'START_OVER' },
  cancel: { type: 'CANCEL' },
  skip: { type: 'SKIP' },
  language_es: { type: 'SET_LANGUAGE', locale: 'es' },
  language_en: { type: 'SET_LANGUAGE', locale: 'en' },
};

const faq = (topic: FaqTopic): RecoveryEvent => ({ type: 'FAQ', topic });

/** Intent → event, given what the state expects (e.g. "I didn't get it" only means something while waiting). */
export function eventForIntent(intent: Intent, expects: Expectation): RecoveryEvent {
  switch (intent) {
    case 'recover_password':
      return { type: 'RECOVER' };
    case 'talk_to_agent':
      return { type: 'AGENT' };
    case 'cancel':
      return { type: 'CANCEL' };
    case 'start_over':
      return { type: 'START_OVER' };
    case 'help':
      return { type: 'HELP' };
    case 'greeting':
      return { type: 'GREET' };
    case 'affirm':
      return { type: 'AFFIRM' };
    case 'deny':
      return { type: 'DENY' };
    case 'thanks_bye':
      return faq('thanks');
    case 'code_not_received':
      return expects === 'code' ? { type: 'CODE_NOT_RECEIVED' } : faq('code_not_received');
    case 'resend_code':
      return expects === 'code' ? { type: 'RESEND' } : faq('code_not_received');
    case 'switch_channel':
      return expects === 'code' ? { type: 'SWITCH_CHANNEL' } : faq('code_not_received');
    case 'lost_2fa':
      return expects === 'second_factor' ? { type: 'LOST_2FA' } : faq('lost_2fa');
    case 'forgot_login_email':
    case 'account_compromised':
    case 'device_verification':
    case 'security_tips':
    case 'phishing_report':
    case 'out_of_scope':
    case 'code_validity':
    case 'spam_folder':
    case 'nothing_works':
      return faq(intent);
  }
}

const EMAIL = /^[^\s@<>()]{1,64}@[^\s@<>()]+\.[a-z]{2,}$/i;
const RECOVERY_CODE = /^[A-Z0-9]{4}[- ]?[A-Z0-9]{4}[- ]?[A-Z0-9]{4}[- ]?[A-Z0-9]{4}$/i;
// Explicit language requests, matched on lower-case text without accents or punctuation.
const LANGUAGE_REQUEST = (names: string) =>
  new RegExp(
    `^(?:(?:can we |can you |could you |please |por favor |puedes |podemos |quiero )?` +
      `(?:speak|talk|write|switch(?: to)?|change(?: to)?|hablar?(?:me)?|escrib[ei]r?(?:me)?|cambia(?:r)?(?: a)?|seguir|sigamos)? ?)?` +
      `(?:in |en |a )?(?:${names})(?: (?:please|pls|por favor|porfa|thanks|gracias))?$`,
  );
const TO_ENGLISH = LANGUAGE_REQUEST('english|ingles');
const TO_SPANISH = LANGUAGE_REQUEST('spanish|espanol|castellano');
const plain = (text: string) =>
  text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z ]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
// What still works by typing at an owner question; anything else is the answer. Matched on plain() text.
const OWNER_STEP_WORDS: [RegExp, RecoveryEvent][] = [
  [/^(?:skip(?: it| this)?|saltar|omitir|paso|pasar|no (?:lo )?se|i dont know|dont know|no idea|prefiero no|id rather not|rather not)$/, { type: 'SKIP' }],
  [/^(?:cancel|cancelar|stop)$/, { type: 'CANCEL' }],
  [/^(?:(?:talk to |hablar con )?(?:a |an |una? )?(?:person|agent|human|persona|agente|humano))$/, { type: 'AGENT' }],
  [/^(?:help|ayuda)$/, { type: 'HELP' }],
  [/^(?:english|ingles)$/, { type: 'SET_LANGUAGE', locale: 'en' }],
  [/^(?:spanish|espanol|castellano)$/, { type: 'SET_LANGUAGE', locale: 'es' }],
];

/**
 * An owner-identification answer, deterministically: four card digits, a postal code (upper case, no spaces
 * or dashes, 3-10 letters and digits), or a security answer as typed (the service normalises it).
 */
export function parseOwnerAnswer(text: string, expects: Expectation): RecoveryEvent {
  const words = plain(text);
  for (const [pattern, event] of OWNER_STEP_WORDS) if (pattern.test(words)) return event;
  if (expects === 'card_last4') {
    const digits = withoutSeparators(text);
    return isCardLast4(digits) ? { type: 'CARD_DIGITS', value: digits } : { type: 'OWNER_ANSWER_INVALID' };
  }
  if (expects === 'postal_code') {
    const postal = normalisePostalCode(text);
    return isPostalCode(postal) ? { type: 'POSTAL_CODE', value: postal } : { type: 'OWNER_ANSWER_INVALID' };
  }
  // Someone typing their password here is warned, and it goes nowhere, not even to the directory (SECURITY.md 18).
  if (looksLikePassword(text)) return { type: 'PASSWORD_IN_CHAT' };
  return { type: 'SECURITY_ANSWER', value: text.slice(0, 200) };
}

// Shared with the redaction in front of the language model (src/nlu/password-like.ts), so both agree.
export { looksLikePassword };

export class InputParser {
  constructor(
    private readonly classifier: IntentClassifier,
    private readonly options: { defaultPhoneRegion: string; threshold: number },
  ) {}

  private phone(text: string): string | null {
    const compact = text.replace(/[\s().-]/g, '');
    if (!/^\+?\d{7,15}$/.test(compact)) return null;
    const parsed = parsePhoneNumberFromString(compact, this.options.defaultPhoneRegion as CountryCode);
    return parsed?.isValid() ? parsed.number : null;
  }

  async parse(input: { text?: string | undefined; value?: unknown }, expects: Expectation): Promise<ParsedInput> {
    const choice = (input.value as { choice?: unknown } | undefined)?.choice;
    if (typeof choice === 'string' && choice in choiceEvents) {
      return { event: choiceEvents[choice as Choice], language: null, path: 'button' };
    }
    const text = (input.text ?? '').trim().slice(0, 2000);
    if (!text) return { event: { type: 'UNRECOGNIZED' }, language: null, path: 'fast' };
    // Before anything else reads it: an answer never reaches the classifier or the language model.
    if (OWNER_ANSWER_STEPS.has(expects)) return { event: parseOwnerAnswer(text, expects), language: null, path: 'fast', secret: true };
    const words = plain(text);
    if (TO_ENGLISH.test(words)) return { event: { type: 'SET_LANGUAGE', locale: 'en' }, language: 'en', path: 'fast' };
    if (TO_SPANISH.test(words)) return { event: { type: 'SET_LANGUAGE', locale: 'es' }, language: 'es', path: 'fast' };
    if (EMAIL.test(text)) return { event: { type: 'EMAIL', value: text.toLowerCase() }, language: null, path: 'fast' };

    const digits = text.replace(/[\s-]/g, '');
    if ((expects === 'code' || expects === 'second_factor') && /^\d{4,10}$/.test(digits)) {
      return { event: { type: 'DIGITS', value: digits }, language: null, path: 'fast' };
    }
    if (RECOVERY_CODE.test(text) && /[A-Z]/i.test(text)) {
      return { event: { type: 'RECOVERY_CODE', value: text.toUpperCase() }, language: null, path: 'fast' };
    }
    const phone = expects === 'code' || expects === 'second_factor' ? null : this.phone(text);
    if (phone) return { event: { type: 'PHONE', value: phone }, language: null, path: 'fast' };
    // Before the classifier reads the text, so a password never leaves the process (SECURITY.md 18, 25).
    if (looksLikePassword(text)) return { event: { type: 'PASSWORD_IN_CHAT' }, language: null, path: 'fast' };
    // Someone trying to give an address or a number, and getting it wrong, deserves a hint, not a shrug.
    const identifying = expects === 'identifier' || expects === 'channel';
    if (identifying && (/^\S+@\S*$/.test(text) || /^\+?[\d\s().-]{7,20}$/.test(text))) {
      return { event: { type: 'INVALID_IDENTIFIER' }, language: null, path: 'fast' };
    }
    if (/^\d[\d\s-]*$/.test(text)) return { event: { type: 'DIGITS', value: digits }, language: null, path: 'fast' };

    const classification = await this.classifier.classify(text);
    const event =
      classification.confidence >= this.options.threshold
        ? eventForIntent(classification.intent, expects)
        : ({ type: 'UNRECOGNIZED' } as const);
    return { event, language: classification.language, path: 'classifier', classification };
  }
}
