// The language model wired into the real app (OPENAI_BASE_URL pointing at a local stand-in): buttons,
// addresses and codes never reach it; a recovery that starts with free text the offline classifier is
// unsure of reaches it once; and whatever a person types, nothing personal is in what it receives.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Locale } from '../../machines/recovery.types.js';
import { startHarness, type Harness } from '../helpers/bot-harness.js';
import { reply, startOpenAIStandIn, userMessageOf, type OpenAIStandIn } from '../helpers/openai-stand-in.js';
import {
  ANA,
  BEN,
  CARLA,
  CHANNEL_CHOICES,
  CODE_CHOICES,
  DANI,
  SECOND_FACTOR_CHOICES,
  conversation,
  copy,
  expectResetLink,
  latestCode,
  nextTotp,
  play,
  press,
} from '../transcripts/story.js';

let model: OpenAIStandIn;
beforeAll(async () => {
  model = await startOpenAIStandIn();
});
afterAll(() => model.close());

const llmEnv = (extra: Record<string, string> = {}) => ({ OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: model.baseUrl, ...extra });

describe('the fast path never asks the model', () => {
  let h: Harness;
  beforeAll(async () => {
    // Threshold 1: any message that reached the classifier at all would go on to the model.
    h = await startHarness(llmEnv({ LLM_THRESHOLD: '1' }));
  });
  afterAll(() => h.close());

  it('buttons, emails, phone numbers, codes, recovery codes, language commands and passwords: zero requests', async () => {
    model.requests.length = 0;
    model.respondWith(() => reply.answer({ intent: 'cancel', language: 'en', confidence: 1 }));

    const ben = conversation('fast-path-ben', 'en');
    const en = copy('en');
    await play(h, ben, 'en', [
      [press('recover'), [en.bot('ask_identifier', ['agent'])]],
      [BEN.email, [en.bot('ask_channel', CHANNEL_CHOICES)]],
      [press('channel_email'), [en.bot('code_sent_email'), en.bot('ask_code', CODE_CHOICES)]],
      [() => latestCode(h, BEN.email), [en.bot('code_verified'), en.bot('ask_second_factor', SECOND_FACTOR_CHOICES)]],
    ]);
    await expectResetLink(h, ben, 'en', () => nextTotp(h));

    const carla = conversation('fast-path-carla', 'es');
    const es = copy('es');
    await play(h, carla, 'es', [
      [press('recover'), [es.bot('ask_identifier', ['agent'])]],
      ['Hunter2!pass', [es.bot('password_in_chat'), es.bot('ask_identifier', ['agent'])]],
      [CARLA.phone, [es.bot('ask_channel', CHANNEL_CHOICES)]],
      [press('channel_sms'), [es.bot('code_sent_sms'), es.bot('ask_code', CODE_CHOICES)]],
    ]);
    await expectResetLink(h, carla, 'es', () => latestCode(h, CARLA.phone), [es.bot('code_verified')]);

    const recovery = conversation('fast-path-recovery-code', 'en');
    await play(h, recovery, 'en', [
      [press('recover'), [en.bot('ask_identifier', ['agent'])]],
      [BEN.email, [en.bot('ask_channel', CHANNEL_CHOICES)]],
      [press('channel_email'), [en.bot('code_sent_email'), en.bot('ask_code', CODE_CHOICES)]],
      [() => latestCode(h, BEN.email), [en.bot('code_verified'), en.bot('ask_second_factor', SECOND_FACTOR_CHOICES)]],
      [press('use_recovery_code'), [en.bot('ask_recovery_code')]],
    ]);
    await expectResetLink(h, recovery, 'en', BEN.recoveryCodes[0]);

    const language = conversation('fast-path-language', 'en');
    await h.say(language, 'español', 'en-US');
    await h.say(language, 'English', 'en-US');

    expect(model.requests).toHaveLength(0);
  });
});

describe('a full recovery that starts with free text', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(llmEnv());
  });
  afterAll(() => h.close());

  // Openers the offline classifier is unsure of (the second one it even gets wrong), for the model to settle.
  const OPENER: Record<Locale, string> = {
    es: 'uf, tengo un lío con la cuenta de la tele, no sé ni cómo entrar ya',
    en: 'ugh im locked out of the thing on my tv and cant remember anything',
  };
  const QUESTION: Record<Locale, string> = { es: 'oye y cuánto me dura el código?', en: 'wait how long is that code good for' };
  const THANKS: Record<Locale, string> = { es: 'genial, muchas gracias!', en: 'awesome thanks a lot' };

  it.each([
    ['es', ANA.email],
    ['en', DANI.email],
  ] as const)('reaches the model only for the opener (%s)', async (locale, email) => {
    model.requests.length = 0;
    model.respondWith((request) =>
      userMessageOf(request) === OPENER[locale]
        ? reply.answer({ intent: 'recover_password', language: locale, confidence: 0.9 })
        : reply.answer({ intent: 'out_of_scope', language: locale, confidence: 0.2 }),
    );
    const { bot, t } = copy(locale);
    const conv = conversation('free-text-recovery', locale);
    let turns = 0;
    const count = <T>(value: T): T => (turns++, value);

    await play(h, conv, locale, [
      count([OPENER[locale], [bot('ask_identifier', ['agent'])]] as const),
      count([email, [bot('ask_channel', CHANNEL_CHOICES)]] as const),
      count([press('channel_email'), [bot('code_sent_email'), bot('ask_code', CODE_CHOICES)]] as const),
      count([QUESTION[locale], [bot('faq_code_validity'), bot('ask_code', CODE_CHOICES)]] as const),
    ]);
    turns++;
    await expectResetLink(h, conv, locale, () => latestCode(h, email), [bot('code_verified')]);
    turns++;
    expect(await h.say(conv, THANKS[locale])).toContain(t('faq_thanks'));

    const share = model.requests.length / turns;
    console.info(`LLM share of a free-text recovery (${locale}): ${model.requests.length} of ${turns} turns = ${(100 * share).toFixed(1)}%`);
    expect(model.userMessages()).toEqual([OPENER[locale]]);
  });
});

describe('what reaches the model through the app (SECURITY.md 25)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(llmEnv({ LLM_THRESHOLD: '1', LLM_CACHE_SIZE: '0' }));
  });
  afterAll(() => h.close());
  beforeEach(() => {
    model.requests.length = 0;
  });

  it('holds no email, phone number, code, link or password however the person mixes them in', async () => {
    model.respondWith(() => reply.answer({ intent: 'out_of_scope', language: 'es', confidence: 0.2 }));
    const secrets = [
      ANA.email,
      DANI.altEmail,
      '+34 600 111 222',
      '(415) 555-0101',
      '4155550101',
      '123456',
      '654 321',
      'https://streamflix-login.example/reset?id=9',
      'www.example.com/verify',
      ANA.password,
      'Hunter2!pass',
    ];
    const messages = [
      `mi correo es ${ANA.email} o ${DANI.altEmail}, no me acuerdo`,
      `call me at ${secrets[2]} or ${secrets[3]} please`,
      `el código ${secrets[5]} no sirve y el ${secrets[6]} tampoco`,
      `me llegó esto ${secrets[7]} y esto ${secrets[8]}, es real?`,
      `probé con ${ANA.password} y con Hunter2!pass y nada`,
      `my number is ${secrets[4]} and my code was 123456, see ${secrets[7]}`,
    ];
    const conv = conversation('redaction-through-the-app', 'es');
    await h.press(conv, 'recover');
    for (const message of messages) await h.say(conv, message, 'es-ES');

    expect(model.requests).toHaveLength(messages.length);
    for (const request of model.requests) {
      for (const secret of secrets) expect(request.body).not.toContain(secret);
      expect(request.body).not.toMatch(/\d{4,}/);
      expect(request.body).not.toMatch(/\+?\d[\d\s().-]{5,}\d/);
      expect(request.body).not.toMatch(/[^\s"<>@]@[^\s"<>@]/);
      expect(request.body).not.toMatch(/https?:|:\/\/|www\./i);
    }
  });
});
