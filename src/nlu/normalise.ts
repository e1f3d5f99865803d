// Text normalisation shared by training and inference of the offline classifier, so that "Olvidé la
// CONTRA!!", "olvide la contraseña" and "olvideee la contra" all reach the model as the same string.

// Chat shorthand, keyed by the token as typed or after repeated letters are collapsed. Values are
// already lowercase and unaccented; they are collapsed before use, so plain spelling is fine.
const shorthand: ReadonlyMap<string, string> = new Map([
  // Spanish
  ['k', 'que'],
  ['q', 'que'],
  ['ke', 'que'],
  ['qe', 'que'],
  ['xq', 'porque'],
  ['pq', 'porque'],
  ['pk', 'porque'],
  ['xk', 'porque'],
  ['porq', 'porque'],
  ['x', 'por'],
  ['xa', 'para'],
  ['pa', 'para'],
  ['d', 'de'],
  ['tb', 'tambien'],
  ['tmb', 'tambien'],
  ['tbn', 'tambien'],
  ['porfa', 'por favor'],
  ['porfis', 'por favor'],
  ['porfavor', 'por favor'],
  ['xfa', 'por favor'],
  ['xfavor', 'por favor'],
  ['pf', 'por favor'],
  ['contra', 'contrasena'],
  ['contrasenia', 'contrasena'],
  ['msj', 'mensaje'],
  ['mje', 'mensaje'],
  ['cel', 'celular'],
  ['celu', 'celular'],
  ['tel', 'telefono'],
  ['tlf', 'telefono'],
  ['telf', 'telefono'],
  ['tfno', 'telefono'],
  ['cta', 'cuenta'],
  ['bn', 'bien'],
  ['dnd', 'donde'],
  ['grax', 'gracias'],
  ['grs', 'gracias'],
  ['grcs', 'gracias'],
  ['wsp', 'whatsapp'],
  ['wpp', 'whatsapp'],
  ['wasap', 'whatsapp'],
  ['guasap', 'whatsapp'],
  // English
  ['pw', 'password'],
  ['pwd', 'password'],
  ['passwd', 'password'],
  ['pword', 'password'],
  ['pls', 'please'],
  ['plz', 'please'],
  ['pleas', 'please'],
  ['u', 'you'],
  ['ur', 'your'],
  ['r', 'are'],
  ['thx', 'thanks'],
  ['thnx', 'thanks'],
  ['thanx', 'thanks'],
  ['tnx', 'thanks'],
  ['ty', 'thanks'],
  ['tysm', 'thanks'],
  ['idk', 'i dont know'],
  ['bc', 'because'],
  ['cuz', 'because'],
  ['coz', 'because'],
  ['acct', 'account'],
  ['acc', 'account'],
  ['msg', 'message'],
  ['txt', 'text'],
  // Both
  ['okay', 'ok'],
  ['okey', 'ok'],
  ['oki', 'ok'],
  ['okis', 'ok'],
]);

// Emoji that carry meaning in a support chat; every other emoji is dropped with the punctuation.
const meaningfulEmoji: ReadonlyArray<readonly [RegExp, string]> = [[/👍|👌|✅/gu, ' ok ']];

/** Collapses every run of one repeated letter ("holaaaa" → "hola", "correo" → "coreo"). */
function collapseRepeats(token: string): string {
  // Doubles too, not only elongations: "pasword"/"password" and "acount"/"account" then meet, and
  // training sees the same transform, so no meaning is lost.
  return token.replace(/(\p{L})\1+/gu, '$1');
}

function expand(token: string): string {
  const direct = shorthand.get(token);
  if (direct !== undefined) return collapseRepeats(direct);
  const collapsed = collapseRepeats(token);
  const viaCollapsed = shorthand.get(collapsed);
  return viaCollapsed !== undefined ? collapseRepeats(viaCollapsed) : collapsed;
}

/**
 * Lowercase, strip diacritics, drop punctuation and emoji, collapse repeated letters and expand chat
 * shorthand; links, email addresses and long numbers become the tokens "link", "email" and "0000".
 * Returns space-separated tokens of letters and digits, or '' when nothing is left.
 */
export function normalise(text: string): string {
  let s = text.toLowerCase();
  for (const [pattern, replacement] of meaningfulEmoji) s = s.replace(pattern, replacement);
  s = s
    // What a link, an address or a number says is never the intent; that one is there is.
    .replace(/\bhttps?:\/\/\S+|\bwww\.\S+/g, ' link ')
    .replace(/\S+@\S+\.\S+/g, ' email ')
    .replace(/\+?\d[\d\s().-]{5,}\d|\d{4,}/g, ' 0000 ')
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    // "can't" → "cant" and "e-mail" → "email" rather than two tokens each.
    .replace(/['’‘`´]/g, '')
    .replace(/\be-mail/g, 'email')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  if (s === '') return '';
  const tokens = s.split(' ');
  // A lone "k" is "ok" in any chat; only inside a sentence is it Spanish "que".
  if (tokens.length === 1 && /^k+$/.test(tokens[0] ?? '')) return 'ok';
  return tokens.map(expand).join(' ');
}
