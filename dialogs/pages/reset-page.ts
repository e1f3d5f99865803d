// Copy for the password reset page (SECURITY.md 18 and 19), Spanish and English side by side. The password
// policy returns the `feedback_*` and `tip_*` keys below, never sentences, so the page speaks both languages.
// Placeholders: {brand}, {min} (shortest allowed), {max} (longest allowed).
import type { Locale } from '../../machines/recovery.types.js';

const en = {
  page_title: 'Choose a new password · {brand}',
  heading: 'Choose a new password',
  intro: 'This private page sets a new password for your {brand} account. It works once, for a few minutes.',
  password_label: 'New password',
  password_hint:
    'Use at least {min} characters; 12 or more is better. A few unrelated words you can remember make a strong passphrase. No special characters are required, and pasting from a password manager is fine.',
  show_password: 'Show password',
  hide_password: 'Hide password',
  submit: 'Change password',
  feedback_heading: 'Please choose a different password:',
  // Why a password was refused.
  feedback_too_short: 'It is too short. Use at least {min} characters (12 or more is better).',
  feedback_too_long: 'It is too long. Use at most {max} characters.',
  feedback_common: 'It is on a list of common or leaked passwords, so attackers try it first.',
  feedback_personal: 'It is mostly your name or email address, which is easy to guess.',
  feedback_guessable: 'It would be too easy to guess.',
  feedback_similar_to_common: 'It is very close to a common password.',
  feedback_keyboard_pattern: 'Rows or patterns of keys on a keyboard are easy to guess.',
  feedback_repeats: 'Repeated characters or chunks (like “aaa” or “abcabc”) are easy to guess.',
  feedback_sequence: 'Sequences like “abc” or “6543” are easy to guess.',
  feedback_dates: 'Dates and recent years are easy to guess.',
  feedback_single_word: 'A single word is easy to guess.',
  feedback_names: 'Common names and surnames are easy to guess.',
  // How to do better.
  tip_add_words: 'Add another word or two. Unusual words are better.',
  tip_capitalization: 'Capital letters don’t make it much harder to guess.',
  tip_l33t: 'Swapping letters for look-alike symbols (like “@” for “a”) doesn’t make it much harder to guess.',
  tip_reversed: 'Words spelled backwards are not much harder to guess.',
  tip_dates: 'Leave out dates and years that are linked to you.',
  tip_sequences: 'Leave out sequences of letters or numbers.',
  tip_repeats: 'Leave out repeated words and characters.',
  tip_keyboard: 'Leave out keyboard patterns.',
  // Other pages.
  expired_title: 'Link expired · {brand}',
  expired_heading: 'This link has expired or was already used',
  expired_body:
    'For your security, a reset link works only once and only for a few minutes. Go back to the chat with the {brand} assistant and ask for a new link.',
  success_title: 'Password changed · {brand}',
  success_heading: 'Your password is changed',
  success_body:
    'You can close this page and go back to the chat. For your security, every session on your {brand} account was signed out, so sign in again with your new password.',
  // Shown once, after the password is set, when the recovery used a recovery code.
  recovery_code_heading: 'Save your new recovery code',
  recovery_code_body:
    'You used a recovery code to get here, so that code no longer works. This new one replaces it. Save it now somewhere safe, such as your password manager: this page shows it only this once, and we never send it by chat, email or SMS.',
  recovery_code_label: 'New recovery code',
  recovery_code_used_heading: 'Your recovery code is used up',
  recovery_code_unavailable:
    'You used a recovery code to get here, so that code no longer works, and we could not make a new one just now. Sign in with your new password and create new recovery codes in your account’s security settings.',
  csrf_title: 'Form expired · {brand}',
  csrf_heading: 'This form expired',
  csrf_body: 'Your password was not changed. Reload the page and try again.',
  csrf_reload: 'Reload the page',
  error_title: 'Something went wrong · {brand}',
  error_heading: 'Something went wrong',
  error_body: 'Something went wrong on our side and your password was not changed. Please try again in a moment.',
};

export type ResetPageKey = keyof typeof en;
/** The keys a password policy may return as feedback. */
export type PasswordFeedbackKey = Extract<ResetPageKey, `feedback_${string}` | `tip_${string}`>;

// Record<ResetPageKey, string>: a key missing here, or one that en does not have, is a compile error.
const es: Record<ResetPageKey, string> = {
  page_title: 'Elige una contraseña nueva · {brand}',
  heading: 'Elige una contraseña nueva',
  intro: 'En esta página privada eliges una contraseña nueva para tu cuenta de {brand}. Funciona una sola vez y durante pocos minutos.',
  password_label: 'Contraseña nueva',
  password_hint:
    'Usa al menos {min} caracteres; mejor 12 o más. Unas cuantas palabras sin relación entre sí que puedas recordar forman una frase de contraseña fuerte. No hacen falta caracteres especiales y puedes pegarla desde tu gestor de contraseñas.',
  show_password: 'Mostrar contraseña',
  hide_password: 'Ocultar contraseña',
  submit: 'Cambiar contraseña',
  feedback_heading: 'Elige otra contraseña:',
  feedback_too_short: 'Es demasiado corta. Usa al menos {min} caracteres (mejor 12 o más).',
  feedback_too_long: 'Es demasiado larga. Usa como máximo {max} caracteres.',
  feedback_common: 'Está en una lista de contraseñas comunes o filtradas, así que los atacantes la prueban primero.',
  feedback_personal: 'Es casi todo tu nombre o tu correo, y eso es fácil de adivinar.',
  feedback_guessable: 'Sería demasiado fácil de adivinar.',
  feedback_similar_to_common: 'Se parece mucho a una contraseña común.',
  feedback_keyboard_pattern: 'Las filas o los patrones de teclas del teclado son fáciles de adivinar.',
  feedback_repeats: 'Los caracteres o fragmentos repetidos (como «aaa» o «abcabc») son fáciles de adivinar.',
  feedback_sequence: 'Las secuencias como «abc» o «6543» son fáciles de adivinar.',
  feedback_dates: 'Las fechas y los años recientes son fáciles de adivinar.',
  feedback_single_word: 'Una sola palabra es fácil de adivinar.',
  feedback_names: 'Los nombres y apellidos comunes son fáciles de adivinar.',
  tip_add_words: 'Añade una o dos palabras más. Mejor si son poco comunes.',
  tip_capitalization: 'Las mayúsculas no la hacen mucho más difícil de adivinar.',
  tip_l33t: 'Cambiar letras por símbolos parecidos (como «@» por «a») no la hace mucho más difícil de adivinar.',
  tip_reversed: 'Las palabras escritas al revés no son mucho más difíciles de adivinar.',
  tip_dates: 'No uses fechas ni años relacionados contigo.',
  tip_sequences: 'No uses secuencias de letras o números.',
  tip_repeats: 'No repitas palabras ni caracteres.',
  tip_keyboard: 'No uses patrones del teclado.',
  expired_title: 'Enlace vencido · {brand}',
  expired_heading: 'Este enlace venció o ya se usó',
  expired_body:
    'Por tu seguridad, un enlace para restablecer la contraseña funciona una sola vez y solo durante pocos minutos. Vuelve al chat con el asistente de {brand} y pide un enlace nuevo.',
  success_title: 'Contraseña cambiada · {brand}',
  success_heading: 'Tu contraseña se cambió',
  success_body:
    'Puedes cerrar esta página y volver al chat. Por tu seguridad, se cerraron todas las sesiones de tu cuenta de {brand}; inicia sesión de nuevo con tu contraseña nueva.',
  recovery_code_heading: 'Guarda tu nuevo código de recuperación',
  recovery_code_body:
    'Usaste un código de recuperación para llegar hasta aquí, así que ese código ya no funciona. Este nuevo lo sustituye. Guárdalo ahora en un lugar seguro, como tu gestor de contraseñas: esta página lo muestra solo esta vez y nunca lo enviamos por chat, correo ni SMS.',
  recovery_code_label: 'Código de recuperación nuevo',
  recovery_code_used_heading: 'Tu código de recuperación ya está usado',
  recovery_code_unavailable:
    'Usaste un código de recuperación para llegar hasta aquí, así que ese código ya no funciona, y ahora mismo no pudimos crear uno nuevo. Inicia sesión con tu contraseña nueva y crea códigos de recuperación nuevos en la configuración de seguridad de tu cuenta.',
  csrf_title: 'Formulario vencido · {brand}',
  csrf_heading: 'Este formulario venció',
  csrf_body: 'Tu contraseña no se cambió. Vuelve a cargar la página e inténtalo de nuevo.',
  csrf_reload: 'Volver a cargar la página',
  error_title: 'Algo salió mal · {brand}',
  error_heading: 'Algo salió mal',
  error_body: 'Algo salió mal de nuestro lado y tu contraseña no se cambió. Inténtalo de nuevo en un momento.',
};

export const resetPageCopy: Record<Locale, Record<ResetPageKey, string>> = { es, en };

export function isResetPageKey(key: string): key is ResetPageKey {
  return Object.prototype.hasOwnProperty.call(en, key);
}

/** Fills {placeholders}; the result is plain text and still has to be HTML-escaped by the page. */
export function pageText(locale: Locale, key: ResetPageKey, params: Record<string, string | number> = {}): string {
  return resetPageCopy[locale][key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}
