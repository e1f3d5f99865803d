// SECURITY.md 25: text is redacted before it leaves for a language model — emails, phone numbers, digit runs of
// 4 or more, URLs and anything that looks like a password. A stand-in OpenAI-compatible server records every
// request while more than a hundred messages in English and Spanish, mixing all of those in every format people
// type them, go through the real app; no request holds any of them, by value or by shape.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { looksLikePassword } from '../../src/nlu/password-like.js';
import { PLACEHOLDERS } from '../../src/nlu/redact.js';
import { reply, startOpenAIStandIn, userMessageOf, type OpenAIStandIn } from '../helpers/openai-stand-in.js';
import { startApp, type Harness } from './helpers.js';

const VALUES = {
  email: ['ana@example.com', 'j.doe+promo@mail.co.uk', 'JOSE.PEREZ@Empresa.MX', 'user_1@sub.domain.io', 'dani.backup@example.org'],
  phone: ['+34 600 111 222', '(415) 555-0101', '415.555.0101', '+1-415-555-0101', '600111222', '+52 55 1234 5678'],
  number: ['123456', '654 321', '12-34-56', '4821', '2024', '00001', '9 8 7 6'],
  url: ['https://streamflix-login.example/reset?id=9', 'http://bit.ly/abc', 'www.example.com/verify', 'netflix-help.com/login', 'streamflix.es'],
  password: ['Hunter2!pass', 'Lighthouse-Paper-41', 'P@ssw0rd', 'Contraseña#2024', 'qwerty123ABC', 'Blue-Harbor-Kettle-7'],
} as const;
type Kind = keyof typeof VALUES;

const TEMPLATES: Record<'en' | 'es', Record<Kind, string[]>> = {
  en: {
    email: ['my email is {} but nothing arrives', 'i used {} when i signed up i think'],
    phone: ['you can text me at {} instead', 'my number is {} and no sms came'],
    number: ['the code {} did not work', 'it says {} is wrong, why'],
    url: ['i got this link {} is it real?', 'should i log in at {} or not'],
    password: ['i tried {} and it failed', 'was it {} or something else'],
  },
  es: {
    email: ['mi correo es {} pero no llega nada', 'creo que me registré con {}'],
    phone: ['mejor escríbeme al {}', 'mi número es {} y no llegó el sms'],
    number: ['el código {} no funciona', 'me dice que {} está mal, por qué'],
    url: ['me llegó este enlace {} es de ustedes?', 'entro en {} o no'],
    password: ['probé con {} y nada', 'era {} o algo así'],
  },
};

/** Every value in every template of its kind, both languages, plus sentences that mix all five kinds. */
function messages(): { text: string; locale: string; secrets: string[] }[] {
  const out: { text: string; locale: string; secrets: string[] }[] = [];
  for (const locale of ['en', 'es'] as const) {
    for (const kind of Object.keys(VALUES) as Kind[]) {
      for (const template of TEMPLATES[locale][kind]) {
        for (const value of VALUES[kind]) out.push({ text: template.replace('{}', value), locale: `${locale}-US`, secrets: [value] });
      }
    }
    for (let i = 0; i < 10; i++) {
      const pick = (kind: Kind) => VALUES[kind][i % VALUES[kind].length]!;
      const text =
        locale === 'en'
          ? `write to ${pick('email')} or ${pick('phone')}, the code was ${pick('number')}, the site ${pick('url')} and i tried ${pick('password')}`
          : `escríbeme a ${pick('email')} o al ${pick('phone')}, el código era ${pick('number')}, la web ${pick('url')} y probé ${pick('password')}`;
      out.push({ text, locale: `${locale}-US`, secrets: (Object.keys(VALUES) as Kind[]).map(pick) });
    }
  }
  return out;
}

const SHAPES: [string, RegExp][] = [
  ['an email address', /[^\s"<>@]@[^\s"<>@]/],
  ['a run of 4+ digits', /\d{4,}/],
  ['digits split by separators (a phone or a spaced code)', /\d(?:[\s().\-–]*\d){3,}/],
  ['a URL', /https?:|:\/\/|www\.|\b[\w-]+\.(?:com|net|org|io|es|mx|ly|uk|example)\b/i],
];

let model: OpenAIStandIn;
let h: Harness;
beforeAll(async () => {
  model = await startOpenAIStandIn(() => reply.answer({ intent: 'out_of_scope', language: 'en', confidence: 0.3 }));
  // Every free-text message goes to the model, with no cache: each one is a request to inspect.
  h = await startApp({ OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: model.baseUrl, LLM_THRESHOLD: '1', LLM_CACHE_SIZE: '0' });
});
afterAll(async () => {
  await h.close();
  await model.close();
});

describe('what leaves for the language model (SECURITY.md 25)', () => {
  it('holds no email, phone number, 4+ digit run, URL or password-looking word', async () => {
    const all = messages();
    const refusedAsPasswords: string[] = [];
    for (const [i, message] of all.entries()) {
      // A new conversation every few messages, some at the start and some asked for their identifier.
      const conv = `redaction-${Math.floor(i / 3)}`;
      if (i % 3 === 0 && i % 2 === 0) await h.press(conv, 'recover');
      const texts = await h.say(conv, message.text, message.locale);
      if (texts.some((t) => /passwords? here|contraseñas? aquí/i.test(t))) refusedAsPasswords.push(message.text);
    }
    const bodies = model.requests.map((r) => r.body);
    const userMessages = model.requests.map(userMessageOf);
    console.log(
      `SECURITY 25 ${all.length} messages → ${model.requests.length} model requests (${refusedAsPasswords.length} refused in the chat as passwords, never sent); ` +
        `example: ${JSON.stringify(userMessages.at(-1))}`,
    );
    expect(model.requests.length + refusedAsPasswords.length).toBe(all.length);
    expect(model.requests.length).toBeGreaterThan(100);

    const problems: string[] = [];
    for (const [i, body] of bodies.entries()) {
      const user = userMessages[i]!;
      for (const message of all) for (const secret of message.secrets) if (body.includes(secret)) problems.push(`request ${i} holds ${secret}`);
      for (const [what, shape] of SHAPES) if (shape.test(user)) problems.push(`request ${i} holds ${what}: ${user}`);
      const placeholders: readonly string[] = Object.values(PLACEHOLDERS);
      for (const word of user.split(/\s+/)) {
        const bare = word.replace(/^["'(¿¡]+|["'.,;:!?)]+$/g, '');
        if (!placeholders.includes(bare) && looksLikePassword(bare)) problems.push(`request ${i} holds a password-looking word: ${word}`);
      }
    }
    expect(problems).toEqual([]);
    // The placeholders show the model what kind of thing was there.
    for (const placeholder of Object.values(PLACEHOLDERS)) expect(userMessages.join(' ')).toContain(placeholder);
  });
});
