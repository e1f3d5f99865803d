// The Spanish and English catalogs say the same things under the same keys, and every key the chart can
// say exists in both.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { en } from '../../dialogs/locales/en.js';
import { es } from '../../dialogs/locales/es.js';
import { faqTopics, securityQuestionIds, type Channel, type Choice, type Locale } from '../../machines/recovery.types.js';

const catalogs: Record<Locale, Record<string, string>> = { en, es };
const chartSource = readFileSync(fileURLToPath(new URL('../../machines/recovery.machine.ts', import.meta.url)), 'utf8');

// Records, so the compiler fails here when a channel or choice is added to the types and not to the test.
const channels: Record<Channel, true> = { email: true, sms: true, alt_email: true };
const choices: Record<Choice, true> = {
  recover: true,
  agent: true,
  channel_email: true,
  channel_alt_email: true,
  channel_sms: true,
  resend: true,
  switch_channel: true,
  code_not_received: true,
  use_recovery_code: true,
  lost_2fa: true,
  new_link: true,
  start_over: true,
  cancel: true,
  skip: true,
  language_es: true,
  language_en: true,
};

const placeholders = (copy: string): string[] => [...new Set([...copy.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!))].sort();

/** Every key the chart can say: literal `say('…')` and `key: '…'`, plus the key families built at run time. */
function keysSaidByChart(): string[] {
  const literal = [...chartSource.matchAll(/\bsay\(\s*'(\w+)'/g), ...chartSource.matchAll(/\bkey:\s*'(\w+)'/g)].map(
    (m) => m[1]!,
  );
  return [
    ...new Set([
      ...literal,
      ...faqTopics.map((topic) => `faq_${topic}`),
      ...Object.keys(channels).map((channel) => `code_sent_${channel}`),
      ...securityQuestionIds.map((id) => `ask_security_question_${id}`),
      ...Object.keys(choices).map((choice) => `choice_${choice}`),
    ]),
  ].sort();
}

describe('dialog catalogs', () => {
  it('have the same keys in es and en', () => {
    expect(Object.keys(es).sort()).toEqual(Object.keys(en).sort());
  });

  it.each(Object.keys(catalogs) as Locale[])('%s has no empty copy', (locale) => {
    const empty = Object.entries(catalogs[locale])
      .filter(([, copy]) => copy.trim() === '')
      .map(([key]) => key);
    expect(empty).toEqual([]);
  });

  it('use the same placeholders for each key in both languages', () => {
    const differing = Object.keys(en).filter(
      (key) => placeholders(en[key as keyof typeof en]).join() !== placeholders(es[key as keyof typeof es] ?? '').join(),
    );
    expect(differing, differing.map((key) => `${key}: en {${placeholders(en[key as keyof typeof en])}}`).join('\n')).toEqual([]);
  });

  it('have copy for every key the chart can say', () => {
    const said = keysSaidByChart();
    expect(said.length).toBeGreaterThan(40);
    for (const locale of Object.keys(catalogs) as Locale[]) {
      const missing = said.filter((key) => !(key in catalogs[locale]));
      expect(missing, `missing in ${locale}`).toEqual([]);
    }
  });

  it('know every key family the chart builds at run time', () => {
    // A new template-literal key in the chart must be added to keysSaidByChart() above.
    const families = [...chartSource.matchAll(/`(\w+)_\$\{/g)].map((m) => m[1]!);
    expect([...new Set(families)].sort()).toEqual(['ask_security_question', 'code_sent', 'faq']);
  });

  it('only use placeholders the renderer fills in the copy the chart says', () => {
    // dialogs/render.ts always supplies brand, minutes and digits; reset_link also gets the url, code_wait the seconds.
    const fillable = new Set(['brand', 'minutes', 'digits', 'url', 'seconds']);
    for (const key of keysSaidByChart()) {
      for (const locale of Object.keys(catalogs) as Locale[]) {
        const unfilled = placeholders(catalogs[locale][key] ?? '').filter((name) => !fillable.has(name));
        expect(unfilled, `${locale}.${key}`).toEqual([]);
      }
    }
  });

  it('never name another company: the brand comes from {brand}', () => {
    for (const locale of Object.keys(catalogs) as Locale[]) {
      const naming = Object.entries(catalogs[locale])
        .filter(([, copy]) => /netflix/i.test(copy))
        .map(([key]) => key);
      expect(naming, locale).toEqual([]);
    }
  });
});
