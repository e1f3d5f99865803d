// The offline classifier against text it never trained on: the held-out set, the shared sample, and
// gibberish that must come back unsure. Also the corpus itself and the normaliser both sides share.
import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate, formatReport } from '../../scripts/eval-nlu.js';
import { intents } from '../../src/nlu/classifier.js';
import { normalise } from '../../src/nlu/normalise.js';
import {
  loadDefaultOfflineClassifier,
  OfflineClassifier,
  parseCorpus,
  type CorpusRow,
} from '../../src/nlu/offline-classifier.js';

const corpusUrl = new URL('../../dialogs/nlu/corpus.tsv', import.meta.url);
const heldoutUrl = new URL('./heldout.tsv', import.meta.url);
// A second, harder held-out set written independently of the corpus: long rambling messages, slang from
// Spain and Latin America, typos, code-switching and negations.
const hardUrl = new URL('./heldout-hard.tsv', import.meta.url);
// The team's shared sample lives beside the repository, at ../shared/nlu-sample.tsv from its root.
const sampleUrl = new URL('../../../shared/nlu-sample.tsv', import.meta.url);

const corpus = parseCorpus(readFileSync(corpusUrl, 'utf8'));
const heldout = parseCorpus(readFileSync(heldoutUrl, 'utf8'));
const hard = parseCorpus(readFileSync(hardUrl, 'utf8'));

let classifier: OfflineClassifier;

beforeAll(async () => {
  classifier = await loadDefaultOfflineClassifier();
});

describe('offline classifier on the held-out set', () => {
  it.each([
    ['heldout.tsv', () => heldout],
    ['heldout-hard.tsv', () => hard],
  ])('gets at least 90% of intents and 97% of languages right on %s', async (_file, rows) => {
    const report = await evaluate(classifier, rows());
    console.info(formatReport(report));
    expect(report.total).toBeGreaterThanOrEqual(300);
    expect(report.intentAccuracy, `intent accuracy ${report.intentAccuracy}`).toBeGreaterThanOrEqual(0.9);
    expect(report.languageAccuracy, `language accuracy ${report.languageAccuracy}`).toBeGreaterThanOrEqual(0.97);
  });

  it('has every intent in both languages in the hard set', () => {
    const missing = intents.flatMap((intent) =>
      (['es', 'en'] as const)
        .filter((language) => !hard.some((row) => row.intent === intent && row.language === language))
        .map((language) => `${intent}/${language}`),
    );
    expect(missing).toEqual([]);
  });

  it('classifies every line of the shared sample', async () => {
    if (!existsSync(sampleUrl)) {
      console.info(`shared sample not found at ${sampleUrl.pathname}; nothing to check`);
      return;
    }
    const sample = parseCorpus(readFileSync(sampleUrl, 'utf8'));
    expect(sample.length).toBeGreaterThan(0);
    const wrong: string[] = [];
    for (const row of sample) {
      const result = await classifier.classify(row.text);
      if (result.intent !== row.intent || result.language !== row.language) {
        wrong.push(`"${row.text}": expected ${row.intent}/${row.language}, got ${result.intent}/${result.language}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('offline classifier confidence', () => {
  it.each(['asdf qwer', '🙂', '12', '123456', 'zzzzzz', 'qwertyuiop', 'lorem ipsum dolor', '...', '', '   '])(
    'is low for gibberish %j',
    async (text) => {
      const result = await classifier.classify(text);
      expect(result.confidence).toBeLessThan(0.5);
    },
  );

  it.each([
    ['olvidé mi clave', 'recover_password', 'es'],
    ['k hago si olvide la contra', 'recover_password', 'es'],
    ['forgot pw', 'recover_password', 'en'],
    ['no me llega el codigo', 'code_not_received', 'es'],
    ['me hackearon la cuenta', 'account_compromised', 'es'],
    ['pasame con un asesor', 'talk_to_agent', 'es'],
    ['yes pls', 'affirm', 'en'],
    ['sip', 'affirm', 'es'],
    ['nop', 'deny', 'es'],
    ['nah', 'deny', 'en'],
    // Puzzlement is a request for help, never a yes: "huh" used to start a recovery as if it were "uh huh".
    ['huh', 'help', 'en'],
    ['uh huh', 'affirm', 'en'],
    ['perdon', 'help', 'es'],
    ['how long is the code valid', 'code_validity', 'en'],
    ['revisa spam', 'spam_folder', 'es'],
    ['nothing works, what now', 'nothing_works', 'en'],
  ] as const)('is high for the clear phrase %j', async (text, intent, language) => {
    const result = await classifier.classify(text);
    expect(result).toMatchObject({ intent, language });
    expect(result.confidence).toBeGreaterThanOrEqual(0.8);
  });

  it('always answers with a known intent, a known language and a probability', async () => {
    for (const text of ['', 'hola', 'HELLO!!!', 'x'.repeat(5000), 'mandalo a ana@example.com', 'https://a.b/c']) {
      const result = await classifier.classify(text);
      expect(intents).toContain(result.intent);
      expect(['es', 'en']).toContain(result.language);
      expect(result.confidence).toBeGreaterThanOrEqual(0);
      expect(result.confidence).toBeLessThanOrEqual(1);
    }
  });

  it('trains to the same answers every time', async () => {
    const again = OfflineClassifier.fromRows(corpus);
    for (const row of heldout.slice(0, 50)) {
      expect(again.classifySync(row.text)).toEqual(classifier.classifySync(row.text));
    }
  });
});

describe('normalise', () => {
  it.each([
    ['Olvidé la CONTRASEÑA!!', 'olvide la contrasena'],
    ['holaaaa', 'hola'],
    ['¿Qué tal?', 'que tal'],
    ['k hago si olvide la contra', 'que hago si olvide la contrasena'],
    ['q paso', 'que paso'],
    ['xq no llega', 'porque no lega'],
    ['pq', 'porque'],
    ['forgot pw pls', 'forgot pasword please'],
    ['plz', 'please'],
    ["can't log in 🙂", 'cant log in'],
    ['👍', 'ok'],
    ['k', 'ok'],
    ['E-mail', 'email'],
    ['mandalo a ana.perez@example.com', 'mandalo a email'],
    ['mira https://bit.ly/x1', 'mira link'],
    ['mi numero es +34 612 345 678', 'mi numero es 0000'],
    ['2FA', '2fa'],
    ['🙂🙂', ''],
    ['  ', ''],
  ])('turns %j into %j', (input, expected) => {
    expect(normalise(input)).toBe(expected);
  });

  it('collapses doubled letters too, so typos and correct spellings meet', () => {
    expect(normalise('password')).toBe(normalise('pasword'));
    expect(normalise('account')).toBe(normalise('acount'));
    expect(normalise('correo')).toBe(normalise('coreo'));
  });
});

describe('NLU corpus', () => {
  it('has at least 40 lines per intent and language', () => {
    const counts = new Map<string, number>();
    for (const row of corpus) {
      const key = `${row.intent}/${row.language}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const short = intents.flatMap((intent) =>
      (['es', 'en'] as const)
        .map((language) => `${intent}/${language}`)
        .filter((key) => (counts.get(key) ?? 0) < 40)
        .map((key) => `${key}: ${counts.get(key) ?? 0}`),
    );
    expect(short).toEqual([]);
  });

  it('shares no line with the held-out set, even after normalisation', () => {
    const trained = new Set(corpus.map((row) => normalise(row.text)));
    const leaked = [...heldout, ...hard].filter((row) => trained.has(normalise(row.text))).map((row) => row.text);
    expect(leaked).toEqual([]);
  });

  it('never gives one normalised text two intents', () => {
    const seen = new Map<string, CorpusRow>();
    const conflicts: string[] = [];
    for (const row of corpus) {
      const key = normalise(row.text);
      const earlier = seen.get(key);
      if (earlier !== undefined && earlier.intent !== row.intent) {
        conflicts.push(`"${earlier.text}" (${earlier.intent}) vs "${row.text}" (${row.intent})`);
      }
      seen.set(key, row);
    }
    expect(conflicts).toEqual([]);
  });

  it('rejects malformed rows with the line number', () => {
    expect(() => parseCorpus('intent\tlanguage\ttext\nhelp\tfr\taide')).toThrow(/line 2/);
    expect(() => parseCorpus('intent\tlanguage\ttext\nnot_an_intent\tes\thola')).toThrow(/unknown intent/);
    expect(() => parseCorpus('text\nhola')).toThrow(/header/);
  });
});
