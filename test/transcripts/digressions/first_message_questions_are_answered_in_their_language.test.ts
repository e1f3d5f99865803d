// People often open with a question rather than "I forgot my password". Each question gets its answer, in
// the language it was asked in, even when the browser's language is the other one, and then an offer of
// what else the bot can do (no question is pending yet).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locale } from '../../../machines/recovery.types.js';
import { CHANNEL_LOCALE, LOCALES, conversation, copy, linesOf, startStory, type Harness } from '../story.js';

let h: Harness;
beforeAll(async () => {
  h = await startStory();
});
afterAll(() => h.close());

/** [first message, the catalog key of its answer] */
const questions: Record<Locale, [string, string][]> = {
  es: [
    ['no sé con qué correo me registré', 'faq_forgot_login_email'],
    ['me hackearon la cuenta', 'faq_account_compromised'],
    ['la tele me pide un código de verificación', 'faq_device_verification'],
    ['me llegó un correo raro pidiendo mi clave', 'faq_phishing_report'],
    ['consejos de seguridad para mi cuenta', 'faq_security_tips'],
    ['qué series hay nuevas', 'faq_out_of_scope'],
  ],
  en: [
    ["I don't remember which email I used", 'faq_forgot_login_email'],
    ['my account was hacked', 'faq_account_compromised'],
    ['my TV is asking for a verification code', 'faq_device_verification'],
    ['I got a suspicious email asking for my password', 'faq_phishing_report'],
    ['security tips for my account', 'faq_security_tips'],
    ['what new shows are there?', 'faq_out_of_scope'],
  ],
};

const other: Record<Locale, Locale> = { es: 'en', en: 'es' };

describe.each(LOCALES)('first-message questions are answered in their language (%s)', (locale) => {
  const { bot } = copy(locale);

  it.each(questions[locale])('"%s" gets %s', async (question, answer) => {
    for (const browser of [locale, other[locale]]) {
      const conv = conversation('first-question', locale);
      const replies = await h.send(conv, { text: question, locale: CHANNEL_LOCALE[browser] });
      expect(linesOf(replies), `with a ${CHANNEL_LOCALE[browser]} browser`).toEqual([bot(answer), bot('welcome_prompt', ['recover', 'agent'])]);
    }
  });
});
