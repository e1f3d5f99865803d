// Copy that the HTML and text emails add around the catalog messages (dialogs/locales, keys notify_*),
// Spanish and English side by side. Placeholders: {brand}.
import type { Locale } from '../machines/recovery.types.js';

const en = {
  email_footer: 'This is an automatic message from {brand}. Please do not reply to it.',
};

export type EmailLayoutKey = keyof typeof en;

// Record<EmailLayoutKey, string>: a key missing here, or one that en does not have, is a compile error.
const es: Record<EmailLayoutKey, string> = {
  email_footer: 'Este es un mensaje automático de {brand}. Por favor, no lo respondas.',
};

export const emailLayoutCopy: Record<Locale, Record<EmailLayoutKey, string>> = { es, en };

/** Fills {placeholders}; the result is plain text and still has to be escaped for HTML. */
export function emailLayoutText(locale: Locale, key: EmailLayoutKey, params: Record<string, string | number> = {}): string {
  return emailLayoutCopy[locale][key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}
