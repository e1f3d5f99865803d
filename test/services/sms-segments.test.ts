// Every SMS Clave sends fits one segment (160 GSM-7 characters, or 70 if one character forces UCS-2):
// a second segment costs money and can arrive split or out of order. Checked for every notify_*_sms
// message in both languages, filled with realistic values.
import { describe, expect, it } from 'vitest';
import { catalogs, locales, text } from '../../dialogs/catalog.js';
import { smsSegments } from '../../src/services/sms/sms-segments.js';

const realistic = { brand: 'StreamFlix Demo', code: '483920', minutes: 10, notMeUrl: 'https://help.example.com/not-me' };
const smsKeys = Object.keys(catalogs.en).filter((key) => /^notify_\w+_sms$/.test(key));

describe('smsSegments', () => {
  it('counts GSM-7 septets, with the extension table at two each', () => {
    expect(smsSegments('Hola, ¿qué tal? ñ Ñ ü é à ¡ @ £ $ _')).toMatchObject({ encoding: 'GSM-7', units: 35, segments: 1 });
    expect(smsSegments('a{b}c[d]e~f^g|h\\i€')).toMatchObject({ encoding: 'GSM-7', units: 27, segments: 1 });
    expect(smsSegments('x'.repeat(160))).toMatchObject({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsSegments('x'.repeat(161))).toMatchObject({ segments: 2 });
    expect(smsSegments('x'.repeat(306))).toMatchObject({ segments: 2 });
    expect(smsSegments('x'.repeat(307))).toMatchObject({ segments: 3 });
    expect(smsSegments('€'.repeat(80))).toMatchObject({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsSegments('€'.repeat(81))).toMatchObject({ units: 162, segments: 2 });
  });

  it('falls back to UCS-2 for characters outside GSM-7 (á, í, ó, ú, typographic quotes, emoji)', () => {
    expect(smsSegments('código')).toMatchObject({ encoding: 'UCS-2', units: 6, segments: 1, nonGsmCharacters: ['ó'] });
    expect(smsSegments('it’s')).toMatchObject({ encoding: 'UCS-2', nonGsmCharacters: ['’'] });
    expect(smsSegments(`${'á'.repeat(70)}`)).toMatchObject({ encoding: 'UCS-2', units: 70, segments: 1 });
    expect(smsSegments(`${'á'.repeat(71)}`)).toMatchObject({ segments: 2 });
    expect(smsSegments(`${'á'.repeat(134)}`)).toMatchObject({ segments: 2 });
    expect(smsSegments(`${'á'.repeat(135)}`)).toMatchObject({ segments: 3 });
    // An emoji outside the BMP takes two UTF-16 units.
    expect(smsSegments('🔑')).toMatchObject({ encoding: 'UCS-2', units: 2 });
  });
});

describe('notification SMS copy', () => {
  it('has SMS messages to check', () => {
    expect(smsKeys.sort()).toEqual(['notify_code_sms', 'notify_lockout_sms', 'notify_reset_sms']);
  });

  for (const locale of locales) {
    for (const key of smsKeys) {
      it(`${locale} ${key} fits one segment`, () => {
        const message = text(locale, key, realistic);
        expect(message, 'every placeholder filled').not.toMatch(/\{\w+\}/);
        const count = smsSegments(message);
        expect({ message, ...count }, `"${message}" is ${count.units} ${count.encoding} units`).toMatchObject({ segments: 1 });
      });
    }
  }

  it('still fits one segment with the longest code (CODE_DIGITS=10)', () => {
    for (const locale of locales) {
      const message = text(locale, 'notify_code_sms', { ...realistic, code: '4839201756' });
      expect(smsSegments(message).segments, message).toBe(1);
    }
  });
});
