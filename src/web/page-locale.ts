// The language a page speaks when it has no conversation to ask: ?lang= first, then Accept-Language.
import type { Request } from 'restify';
import type { Locale } from '../../machines/recovery.types.js';

export function localeOfRequest(req: Request, fallback: Locale = 'en'): Locale {
  const lang = (req.query as Record<string, unknown> | undefined)?.lang;
  if (typeof lang === 'string') {
    if (/^es\b/i.test(lang)) return 'es';
    if (/^en\b/i.test(lang)) return 'en';
  }
  const ranges = String(req.header('accept-language') ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const range of ranges) {
    if (range.tag.startsWith('es')) return 'es';
    if (range.tag.startsWith('en')) return 'en';
  }
  return fallback;
}
