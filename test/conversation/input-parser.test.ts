// The deterministic fast path: what never reaches a classifier.
import { describe, expect, it } from 'vitest';
import { InputParser, looksLikePassword } from '../../src/conversation/input-parser.js';
import type { Classification, IntentClassifier } from '../../src/nlu/classifier.js';

/** Counts how often free text reaches the classifier; answers "help" with the given confidence. */
class CountingClassifier implements IntentClassifier {
  calls = 0;
  constructor(private readonly confidence = 0.9) {}
  async classify(): Promise<Classification> {
    this.calls++;
    return { intent: 'help', language: 'en', confidence: this.confidence };
  }
}

const make = (confidence?: number) => {
  const classifier = new CountingClassifier(confidence);
  return { classifier, parser: new InputParser(classifier, { defaultPhoneRegion: 'US', threshold: 0.5 }) };
};

describe('input parser', () => {
  it.each([
    ['English', 'en'],
    ['english please', 'en'],
    ['in English, please!', 'en'],
    ['en inglés', 'en'],
    ['can we speak english', 'en'],
    ['español', 'es'],
    ['en español por favor', 'es'],
    ['Español, por favor', 'es'],
    ['háblame en español', 'es'],
    ['spanish please', 'es'],
    ['castellano', 'es'],
  ])('"%s" is an explicit switch to %s', async (input, locale) => {
    const { parser, classifier } = make();
    const parsed = await parser.parse({ text: input }, 'identifier');
    expect(parsed.event).toEqual({ type: 'SET_LANGUAGE', locale });
    expect(classifier.calls).toBe(0);
  });

  it('reads button payloads without looking at the text', async () => {
    const { parser, classifier } = make();
    const parsed = await parser.parse({ text: 'Email', value: { choice: 'channel_email' } }, 'channel');
    expect(parsed.event).toEqual({ type: 'CHOOSE_CHANNEL', channel: 'email' });
    expect(classifier.calls).toBe(0);
  });

  it('ignores unknown button payloads instead of trusting them', async () => {
    const { parser } = make(0.1);
    const parsed = await parser.parse({ text: '', value: { choice: 'mark_verified' } }, 'code');
    expect(parsed.event).toEqual({ type: 'UNRECOGNIZED' });
  });

  it('parses emails, phone numbers and codes deterministically', async () => {
    const { parser, classifier } = make();
    expect((await parser.parse({ text: ' Ana@Example.com ' }, 'identifier')).event).toEqual({ type: 'EMAIL', value: 'ana@example.com' });
    expect((await parser.parse({ text: '+1 (415) 555-0101' }, 'identifier')).event).toEqual({ type: 'PHONE', value: '+14155550101' });
    expect((await parser.parse({ text: '+34 600 111 222' }, 'identifier')).event).toEqual({ type: 'PHONE', value: '+34600111222' });
    expect((await parser.parse({ text: '123 456' }, 'code')).event).toEqual({ type: 'DIGITS', value: '123456' });
    expect((await parser.parse({ text: '7hqk-2m9d-xw4p-lc3r' }, 'second_factor')).event).toEqual({
      type: 'RECOVERY_CODE',
      value: '7HQK-2M9D-XW4P-LC3R',
    });
    expect(classifier.calls).toBe(0);
  });

  it('never lets a password reach the classifier', async () => {
    const { parser, classifier } = make();
    for (const text of ['Hunter2!pass', 'S3cr3t-P@ss', 'my password is sunshine', 'mi contraseña es girasol123']) {
      expect((await parser.parse({ text }, 'identifier')).event).toEqual({ type: 'PASSWORD_IN_CHAT' });
    }
    expect(classifier.calls).toBe(0);
  });

  it('does not mistake ordinary words, emails or recovery codes for passwords', () => {
    for (const text of ['hello', 'ana@example.com', '7HQK-2M9D-XW4P-LC3R', 'I forgot my password', 'gracias!']) {
      expect(looksLikePassword(text)).toBe(false);
    }
  });

  it('asks again rather than guessing when the classifier is unsure', async () => {
    const { parser } = make(0.2);
    expect((await parser.parse({ text: 'blorp zingo' }, 'identifier')).event).toEqual({ type: 'UNRECOGNIZED' });
  });
});

describe('identifiers that are almost right', () => {
  it.each(['600 111 222', 'ana@example', 'ana@', '+1 555 01'])('"%s" gets a format hint while asking who you are', async (text) => {
    const { parser, classifier } = make();
    expect((await parser.parse({ text }, 'identifier')).event).toEqual({ type: 'INVALID_IDENTIFIER' });
    expect(classifier.calls).toBe(0);
  });
});

describe('answers to the owner questions before a handoff', () => {
  it.each([
    ['4242', 'card_last4', { type: 'CARD_DIGITS', value: '4242' }],
    [' 42 42 ', 'card_last4', { type: 'CARD_DIGITS', value: '4242' }],
    ['4242 4242 4242 4242', 'card_last4', { type: 'OWNER_ANSWER_INVALID' }],
    ['424', 'card_last4', { type: 'OWNER_ANSWER_INVALID' }],
    ['four two', 'card_last4', { type: 'OWNER_ANSWER_INVALID' }],
    ['28013', 'postal_code', { type: 'POSTAL_CODE', value: '28013' }],
    ['sw1a 1aa', 'postal_code', { type: 'POSTAL_CODE', value: 'SW1A1AA' }],
    ['94107-1234', 'postal_code', { type: 'POSTAL_CODE', value: '941071234' }],
    ['12', 'postal_code', { type: 'OWNER_ANSWER_INVALID' }],
    ['28013, Madrid!', 'postal_code', { type: 'OWNER_ANSWER_INVALID' }],
    ['  Lúna ', 'security_answer', { type: 'SECURITY_ANSWER', value: 'Lúna' }],
    ['Hunter2!Hunter2!', 'security_answer', { type: 'PASSWORD_IN_CHAT' }],
    ['skip', 'card_last4', { type: 'SKIP' }],
    ['No sé', 'security_answer', { type: 'SKIP' }],
    ['omitir', 'postal_code', { type: 'SKIP' }],
    ['cancelar', 'security_answer', { type: 'CANCEL' }],
    ['Talk to a person', 'card_last4', { type: 'AGENT' }],
    ['ayuda', 'security_answer', { type: 'HELP' }],
    ['español', 'postal_code', { type: 'SET_LANGUAGE', locale: 'es' }],
  ] as const)('%j while expecting %s is %j, never classified, and marked secret', async (text, expects, event) => {
    const { parser, classifier } = make();
    const parsed = await parser.parse({ text }, expects);
    expect(parsed.event).toEqual(event);
    expect(parsed).toMatchObject({ path: 'fast', language: null, secret: true });
    expect(classifier.calls).toBe(0);
  });

  it('buttons still work at those steps, and elsewhere the same text is not secret', async () => {
    const { parser, classifier } = make();
    expect((await parser.parse({ value: { choice: 'skip' } }, 'card_last4')).event).toEqual({ type: 'SKIP' });
    expect((await parser.parse({ value: { choice: 'agent' } }, 'security_answer')).event).toEqual({ type: 'AGENT' });
    const elsewhere = await parser.parse({ text: 'Luna' }, 'identifier');
    expect(elsewhere.secret).toBeUndefined();
    expect(classifier.calls).toBe(1);
  });
});
