// Redaction of everything personal or secret before text leaves the process for a language model
// (SECURITY.md 25): addresses, numbers, codes, links and password-looking words become placeholders the
// model can still read as "the person gave an email" without ever seeing it.
import { looksLikePassword } from './password-like.js';

export const PLACEHOLDERS = {
  email: '<email>',
  phone: '<phone>',
  number: '<number>',
  url: '<url>',
  secret: '<secret>',
} as const;

// Links: with a scheme, starting with www., or a bare host whose top-level domain people actually use in
// chat (or with a path), so "gracias.adios" typed without a space survives but "bit.ly/x" does not.
const SCHEME_URL = /\b[a-z][a-z0-9+.-]*:\/\/\S+/giu;
const WWW_URL = /\bwww\.\S+/giu;
const BARE_HOST_WITH_PATH = /\b(?:[\p{L}\p{N}-]+\.)+[\p{L}]{2,}\/\S*/giu;
const BARE_HOST =
  /\b(?:[\p{L}\p{N}-]+\.)+(?:com|net|org|info|biz|io|co|ly|me|tv|app|dev|xyz|link|site|online|click|top|shop|es|mx|ar|cl|pe|uy|ve|ec|bo|py|us|uk|de|fr|it|pt|br|ru|cn|in)\b/giu;
// Anything with something on both sides of an @ is an address, however odd its spelling.
const EMAIL = /[^\s<>]*[^\s<>@]@[^\s<>@]+/gu;
// Digits, possibly split by spaces, dots, dashes or brackets: 7+ digits are a phone number, 4+ a number or
// a code (a code typed "123 456" is still a code), fewer are left alone ("2 cuentas", "10 minutos").
const DIGIT_GROUP = /\+?\(?\p{Nd}(?:[\p{Nd}\s().\-–]*\p{Nd})?/gu;
const MIN_PHONE_DIGITS = 7;
const MIN_NUMBER_DIGITS = 4;
// "my password is X" / "mi clave es X": the word after the phrase is the secret, whatever it looks like.
const PASSWORD_PHRASE =
  /\b((?:my|the)\s+(?:password|pass|pw|pwd)\s+(?:is|was|=|:)|(?:mi\s+)?(?:contrase[nñ]a|clave|contra|password|pass)\s+(?:es|era|=|:))\s*[:=]?\s*(\S+)/giu;
// Punctuation a sentence puts around a word: "(Abc123xyz)," is tested as "Abc123xyz" too.
const LEADING_PUNCTUATION = /^["'(¿¡«[{]+/u;
const TRAILING_PUNCTUATION = /["'.,;:!?)\]}»…]+$/u;
const placeholderSet: ReadonlySet<string> = new Set(Object.values(PLACEHOLDERS));

function countDigits(text: string): number {
  return text.match(/\p{Nd}/gu)?.length ?? 0;
}

function redactPasswordWords(text: string): string {
  return text.replace(/\S+/g, (word) => {
    if (placeholderSet.has(word)) return word;
    const core = word.replace(LEADING_PUNCTUATION, '').replace(TRAILING_PUNCTUATION, '');
    // The punctuation around a password goes with it: it may be part of it ("Lamp31veranO.").
    if (core !== '' && looksLikePassword(core)) return PLACEHOLDERS.secret;
    // "Hola!!" and "Netflix!" mix classes only through a sentence's punctuation; "Hunter2!" has more.
    const mixedBeyondPunctuation = /\p{Nd}|[^\p{L}\p{N}]/u.test(core);
    return looksLikePassword(word) && mixedBeyondPunctuation ? PLACEHOLDERS.secret : word;
  });
}

/**
 * Replaces emails, links, phone numbers, numbers of 4+ digits (spaced or not) and password-looking words by `<email>`,
 * `<url>`, `<phone>`, `<number>` and `<secret>`. Idempotent; text with none of them comes back unchanged.
 */
export function redact(text: string): string {
  let s = text
    .replace(PASSWORD_PHRASE, (_match, phrase: string) => `${phrase} ${PLACEHOLDERS.secret}`)
    .replace(SCHEME_URL, PLACEHOLDERS.url)
    .replace(EMAIL, PLACEHOLDERS.email)
    .replace(WWW_URL, PLACEHOLDERS.url)
    .replace(BARE_HOST_WITH_PATH, PLACEHOLDERS.url)
    .replace(BARE_HOST, PLACEHOLDERS.url);
  s = s.replace(DIGIT_GROUP, (match) => {
    const digits = countDigits(match);
    if (digits >= MIN_PHONE_DIGITS) return PLACEHOLDERS.phone;
    return digits >= MIN_NUMBER_DIGITS ? PLACEHOLDERS.number : match;
  });
  return redactPasswordWords(s);
}
