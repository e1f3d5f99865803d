// While waiting for her code Ana asks questions. Each gets its answer, then the same prompt again, and the
// code she was sent before the questions still works.
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Locale } from '../../../machines/recovery.types.js';
import {
  ANA,
  CHANNEL_CHOICES,
  CODE_CHOICES,
  LOCALES,
  OPENERS,
  conversation,
  copy,
  expectResetLink,
  latestCode,
  play,
  press,
  startStory,
  type Harness,
} from '../story.js';

let h: Harness;
beforeAll(async () => {
  h = await startStory();
});
afterAll(() => h.close());

/** [question, the catalog key of its answer] */
const questions: Record<Locale, [string, string][]> = {
  es: [
    ['¿cuánto dura el código?', 'faq_code_validity'],
    ['no lo encuentro, ¿estará en spam?', 'faq_spam_folder'],
    ['¿y si nada funciona?', 'faq_nothing_works'],
    ['¿este correo es de ustedes?', 'faq_phishing_report'],
    ['¿cómo aseguro mi cuenta mientras espero el código?', 'faq_security_tips'],
  ],
  en: [
    ['how long is the code valid?', 'faq_code_validity'],
    ['should I check my spam folder?', 'faq_spam_folder'],
    ['what if nothing works?', 'faq_nothing_works'],
    ['is this email really from you?', 'faq_phishing_report'],
    ['how do I secure my account while waiting for the code?', 'faq_security_tips'],
  ],
};

describe.each(LOCALES)('FAQ digression returns to the same step (%s)', (locale) => {
  const { bot } = copy(locale);

  it('answers each question while waiting for the code, asks for the code again, and the code still works', async () => {
    const conv = conversation('faq-while-waiting', locale);
    await play(h, conv, locale, [
      [OPENERS[locale][0], [bot('ask_identifier', ['agent'])]],
      [ANA.email, [bot('ask_channel', CHANNEL_CHOICES)]],
      [press('channel_email'), [bot('code_sent_email'), bot('ask_code', CODE_CHOICES)]],
      ...questions[locale].map(([question, answer]) => [question, [bot(answer), bot('ask_code', CODE_CHOICES)]] as const),
    ]);
    await expectResetLink(h, conv, locale, () => latestCode(h, ANA.email), [bot('code_verified')]);
  });

  it('answers a question at the channel menu and shows the same menu again', async () => {
    const conv = conversation('faq-at-menu', locale);
    const [question, answer] = questions[locale][0]!;
    await play(h, conv, locale, [
      [OPENERS[locale][1], [bot('ask_identifier', ['agent'])]],
      [question, [bot(answer), bot('ask_identifier', ['agent'])]],
      [ANA.email, [bot('ask_channel', CHANNEL_CHOICES)]],
      [question, [bot(answer), bot('ask_channel', CHANNEL_CHOICES)]],
    ]);
  });
});
