// What "looks like a password" means, in one place: the input parser refuses such text in the chat
// (SECURITY.md 18) and the redaction in front of the language model removes it (SECURITY.md 25).

const PASSWORD_PHRASE = /\b(my|the) (password|pass|pw) (is|was)\b|\b(mi )?(contrase[nñ]a|clave|contra) (es|era)\b/i;
const EMAIL = /^[^\s@<>()]{1,64}@[^\s@<>()]+\.[a-z]{2,}$/i;
const RECOVERY_CODE = /^[A-Z0-9]{4}[- ]?[A-Z0-9]{4}[- ]?[A-Z0-9]{4}[- ]?[A-Z0-9]{4}$/i;
// Character classes by Unicode category, so an accented word ("Contraseña", "Olvidé") is letters, not a
// mix of letters and symbols.
const LOWER = /\p{Ll}/u;
const UPPER = /\p{Lu}/u;
const DIGIT = /\p{Nd}/u;
const SYMBOL = /[^\p{L}\p{M}\p{Nd}]/u;
const LETTER = /\p{L}/u;

/** A single token that mixes character classes the way passwords do and is not a code or an address, or a "my password is" sentence. */
export function looksLikePassword(text: string): boolean {
  if (PASSWORD_PHRASE.test(text)) return true;
  if (/\s/.test(text) || text.length < 6 || text.length > 128) return false;
  if (EMAIL.test(text) || /^https?:\/\//i.test(text) || RECOVERY_CODE.test(text)) return false;
  const classes = [LOWER, UPPER, DIGIT, SYMBOL].filter((r) => r.test(text)).length;
  return classes >= 3 || (classes === 2 && DIGIT.test(text) && LETTER.test(text) && text.length >= 8);
}
