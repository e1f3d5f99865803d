// Turns a composed message (catalog text from dialogs/locales, keys notify_*) into the text and HTML parts
// of an email. The HTML says exactly what the text says, escaped: paragraphs, links, the code made
// prominent, plus the brand above and the footer from dialogs/email-layout.ts below.
import { locales, text as catalogText } from '../../../dialogs/catalog.js';
import { emailLayoutText } from '../../../dialogs/email-layout.js';
import type { Locale } from '../../../machines/recovery.types.js';
import { escapeHtml } from '../../web/html.js';
import type { OutgoingMessage } from '../notifier.js';

export interface EmailParts {
  subject: string;
  text: string;
  html: string;
  /** The catalog language the subject came from; undefined for a subject no catalog has. */
  locale: Locale | undefined;
}

const SUBJECT_KEYS = ['notify_code_subject', 'notify_reset_subject', 'notify_lockout_subject'] as const;
const URL_PATTERN = /https?:\/\/[^\s<>"']+/g;
// Codes are 6 to 10 digits (CODE_DIGITS); minutes and other numbers in the copy are shorter.
const CODE_PATTERN = /\b\d{6,10}\b/;

const styles = {
  body: 'margin:0;padding:0;background:#f4f4f5;',
  wrapper:
    'max-width:560px;margin:0 auto;padding:24px 16px;font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#18181b;',
  brand: 'font-size:20px;font-weight:bold;margin:0 0 16px;color:#18181b;',
  card: 'background:#ffffff;border-radius:8px;padding:24px;',
  paragraph: 'margin:0 0 16px;',
  code: "font-family:'Courier New',Courier,monospace;font-size:28px;font-weight:bold;letter-spacing:4px;white-space:nowrap;color:#18181b;",
  link: 'color:#1d4ed8;word-break:break-all;',
  footer: 'margin:16px 0 0;font-size:13px;color:#52525b;',
};

/**
 * Which catalog language a subject came from. The composer fills subjects with the brand only, so an exact
 * comparison is enough and OutgoingMessage needs no locale field.
 */
export function localeOfSubject(subject: string, brand: string): Locale | undefined {
  for (const locale of locales) {
    for (const key of SUBJECT_KEYS) if (catalogText(locale, key, { brand }) === subject) return locale;
  }
  return undefined;
}

export function renderEmail(message: OutgoingMessage, brand: string): EmailParts {
  const subject = message.subject ?? brand;
  const locale = localeOfSubject(subject, brand);
  const footer = locale ? emailLayoutText(locale, 'email_footer', { brand }) : undefined;
  const text = footer ? `${message.text}\n\n${footer}` : message.text;

  // Only the first code-shaped number of a code message is highlighted: that is the code.
  const highlight = { pending: message.purpose === 'code' };
  const paragraphs = message.text
    .split(/\n{2,}/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => `<p style="${styles.paragraph}">${inlineHtml(p, highlight)}</p>`)
    .join('\n');

  const html = `<!doctype html>
<html${locale ? ` lang="${locale}"` : ''}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(subject)}</title>
</head>
<body style="${styles.body}">
<div style="${styles.wrapper}">
<h1 style="${styles.brand}">${escapeHtml(brand)}</h1>
<div style="${styles.card}">
${paragraphs}
</div>
${footer ? `<p style="${styles.footer}">${escapeHtml(footer)}</p>\n` : ''}</div>
</body>
</html>
`;
  return { subject, text, html, locale };
}

/** One paragraph: URLs become links, the code is emphasised, everything else is escaped; line breaks stay. */
function inlineHtml(paragraph: string, highlight: { pending: boolean }): string {
  let html = '';
  let last = 0;
  for (const match of paragraph.matchAll(URL_PATTERN)) {
    // A sentence's closing punctuation is not part of the link.
    const url = match[0].replace(/[.,;:!?)\]]+$/, '');
    const start = match.index;
    html += plainHtml(paragraph.slice(last, start), highlight);
    html += `<a href="${escapeHtml(url)}" style="${styles.link}">${escapeHtml(url)}</a>`;
    last = start + url.length;
  }
  return html + plainHtml(paragraph.slice(last), highlight);
}

function plainHtml(segment: string, highlight: { pending: boolean }): string {
  const code = highlight.pending ? CODE_PATTERN.exec(segment) : null;
  if (!code) return escapeLines(segment);
  highlight.pending = false;
  return (
    escapeLines(segment.slice(0, code.index)) +
    `<strong style="${styles.code}">${escapeHtml(code[0])}</strong>` +
    escapeLines(segment.slice(code.index + code[0].length))
  );
}

function escapeLines(segment: string): string {
  return escapeHtml(segment).replace(/\n/g, '<br>\n');
}
