// Looks up and fills in the copy for a message key in a locale. The chart only ever names keys.
import type { Locale } from '../machines/recovery.types.js';
import { en, type MessageKey } from './locales/en.js';
import { es } from './locales/es.js';

export type { MessageKey };
export const catalogs: Record<Locale, Record<MessageKey, string>> = { en, es };
export const locales: Locale[] = ['es', 'en'];

export function isMessageKey(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(en, key);
}

/** Fills {placeholders}; an unknown key is a programming error, not something to show a user. */
export function text(locale: Locale, key: string, params: Record<string, string | number> = {}): string {
  if (!isMessageKey(key)) throw new Error(`No copy for message key "${key}"`);
  return catalogs[locale][key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}
