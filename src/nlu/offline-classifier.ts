// The embedded intent and language classifier, used when no language model is configured: a softmax
// regression over hashed word and character n-grams, plus a naive Bayes language detector with
// stop-word cues, both trained from dialogs/nlu/corpus.tsv at start-up. No network, microseconds a call.
import { readFile } from 'node:fs/promises';
import type { Locale } from '../../machines/recovery.types.js';
import { intents, type Classification, type Intent, type IntentClassifier } from './classifier.js';
import { normalise } from './normalise.js';

export interface CorpusRow {
  intent: Intent;
  language: Locale;
  text: string;
}

const CORPUS_HEADER = 'intent\tlanguage\ttext';
const intentSet: ReadonlySet<string> = new Set(intents);
const isIntent = (value: string): value is Intent => intentSet.has(value);

/** Parses `intent\tlanguage\ttext` rows; a bad line throws an error naming its line number. */
export function parseCorpus(tsv: string): CorpusRow[] {
  const lines = tsv.split(/\r?\n/);
  if (lines[0]?.trim() !== CORPUS_HEADER) {
    throw new Error(`NLU corpus must start with the header "${CORPUS_HEADER.replaceAll('\t', '\\t')}"`);
  }
  const rows: CorpusRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '') continue;
    const [intent, language, text, extra] = line.split('\t');
    if (intent === undefined || language === undefined || text === undefined || extra !== undefined) {
      throw new Error(`NLU corpus line ${i + 1}: expected three tab-separated fields`);
    }
    if (!isIntent(intent)) throw new Error(`NLU corpus line ${i + 1}: unknown intent "${intent}"`);
    if (language !== 'es' && language !== 'en') {
      throw new Error(`NLU corpus line ${i + 1}: language must be "es" or "en", not "${language}"`);
    }
    if (text.trim() === '') throw new Error(`NLU corpus line ${i + 1}: empty text`);
    rows.push({ intent, language, text });
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Features: hashed so that inference walks the string's char codes instead of building substrings.

// Messages are chat lines; past this many normalised characters the rest adds cost, not signal.
const MAX_CHARS = 300;
// Upper bound of features one message can produce at MAX_CHARS (chars 3–5, words, bigrams, whole).
const FEATURE_CAPACITY = 3 * (MAX_CHARS + 2) + 2 * (MAX_CHARS + 2) + 8;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const SEED_WORD = FNV_OFFSET ^ 0x1b873593;
const SEED_BIGRAM = FNV_OFFSET ^ 0x2c1b3c6d;
const SEED_FIRST = FNV_OFFSET ^ 0x297a2d39;
const SEED_LAST = FNV_OFFSET ^ 0x6a09e667;
const SEED_CHAR = FNV_OFFSET ^ 0x3c6ef372;
const SEED_WHOLE = FNV_OFFSET ^ 0x510e527f;
const SPACE = 32;

function hashRange(seed: number, text: string, start: number, end: number): number {
  let h = seed;
  for (let i = start; i < end; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h;
}

/** Relative weight of each feature family; each family is scaled by 1/√(its count) in a message. */
export interface FeatureWeights {
  word: number;
  bigram: number;
  char: number;
  whole: number;
}

const defaultFeatureWeights: FeatureWeights = { word: 1, bigram: 0.6, char: 2, whole: 0.8 };

const KIND_OTHER = 0;
// Single words, where the stop-word cues of the language detector look.
const KIND_WORD = 1;
// Character n-grams, the only features the naive Bayes language model reads.
const KIND_CHAR = 2;

// Reused for every message: extraction allocates nothing but the normalised string.
class FeatureBuffer {
  readonly hashes = new Int32Array(FEATURE_CAPACITY);
  readonly values = new Float64Array(FEATURE_CAPACITY);
  readonly kinds = new Uint8Array(FEATURE_CAPACITY);
  length = 0;
  private readonly tokenStarts = new Int32Array(MAX_CHARS + 1);
  private readonly tokenEnds = new Int32Array(MAX_CHARS + 1);

  constructor(private readonly weights: FeatureWeights) {}

  private push(hash: number, value: number, kind: number): void {
    const i = this.length++;
    this.hashes[i] = hash;
    this.values[i] = value;
    this.kinds[i] = kind;
  }

  /** Fills the buffer from already-normalised text (single spaces, no edges). */
  fill(normalised: string): void {
    this.length = 0;
    const text = normalised.length > MAX_CHARS ? normalised.slice(0, MAX_CHARS) : normalised;
    const len = text.length;
    if (len === 0) return;

    let tokens = 0;
    let start = 0;
    for (let i = 0; i <= len; i++) {
      if (i === len || text.charCodeAt(i) === SPACE) {
        if (i > start) {
          this.tokenStarts[tokens] = start;
          this.tokenEnds[tokens] = i;
          tokens++;
        }
        start = i + 1;
      }
    }
    if (tokens === 0) return;
    const w = this.weights;

    const wordValue = w.word / Math.sqrt(tokens);
    for (let t = 0; t < tokens; t++) {
      this.push(hashRange(SEED_WORD, text, this.tokenStarts[t]!, this.tokenEnds[t]!), wordValue, KIND_WORD);
    }

    // Bigrams plus first and last word, so "no" at the start ("no, otro") differs from the end.
    const bigramValue = w.bigram / Math.sqrt(tokens + 1);
    for (let t = 0; t + 1 < tokens; t++) {
      this.push(hashRange(SEED_BIGRAM, text, this.tokenStarts[t]!, this.tokenEnds[t + 1]!), bigramValue, KIND_OTHER);
    }
    const last = tokens - 1;
    this.push(hashRange(SEED_FIRST, text, this.tokenStarts[0]!, this.tokenEnds[0]!), bigramValue, KIND_OTHER);
    this.push(hashRange(SEED_LAST, text, this.tokenStarts[last]!, this.tokenEnds[last]!), bigramValue, KIND_OTHER);

    // Character 3- to 5-grams over " text ", spanning word boundaries; they carry typos and inflections.
    const padded = len + 2;
    let charCount = 0;
    for (let n = 3; n <= 5; n++) charCount += Math.max(0, padded - n + 1);
    const charValue = w.char / Math.sqrt(Math.max(1, charCount));
    for (let p = 0; p + 3 <= padded; p++) {
      let h = SEED_CHAR;
      for (let n = 1; n <= 5 && p + n <= padded; n++) {
        const at = p + n - 2; // position in text; -1 and len are the padding spaces
        h ^= at < 0 || at >= len ? SPACE : text.charCodeAt(at);
        h = Math.imul(h, FNV_PRIME);
        if (n >= 3) this.push(h, charValue, KIND_CHAR);
      }
    }

    // Short replies ("si", "no way", "ok dale") are best known as a whole.
    if (tokens <= 3) this.push(hashRange(SEED_WHOLE, text, 0, len), w.whole, KIND_OTHER);
  }
}

// ---------------------------------------------------------------------------------------------
// Language cues: words that settle the language even when the n-gram model is unsure.

// Written in plain spelling, then normalised and hashed like word features ("llega" becomes "lega").
const cueHashes = (words: string): ReadonlySet<number> =>
  new Set(
    words
      .split(' ')
      .map(normalise)
      .map((word) => hashRange(SEED_WORD, word, 0, word.length)),
  );
const spanishCues = cueHashes(
  'que de el la los las mi mis te se lo le por para con una un es esta estoy esto eso como cuando ' +
    'donde porque pero si ya y o del al su tu yo nada otra otro vez bien dale vale hola gracias cuenta ' +
    'clave contraseña codigo correo llega ayuda olvide quiero puedo tengo necesito hago sale pide nuevo ' +
    'nueva cual sigo sin mejor favor buenas buenos dias tardes noches chao adios sip nop claro',
);
const englishCues = cueHashes(
  'the my i you your is it to of and for can cant dont didnt doesnt isnt with what how this that yes ' +
    'yeah please thanks thank hi hello hey forgot get got not in on at do does did have want need ' +
    'never again send sent be am are was im ive its new still why which where when would could ' +
    'should an from by just anymore nope yep sure bye',
);

// Characters that only Spanish writing uses; normalisation removes them, so they are read from the raw text.
const spanishMarks = /[ñ¿¡áéíóú]/i;
const hasLetter = /\p{L}/u;

// ---------------------------------------------------------------------------------------------

export interface OfflineClassifierOptions {
  /** Passes over the corpus; more fits the corpus harder. */
  epochs?: number;
  /** Initial learning rate of the stochastic gradient descent. */
  learningRate?: number;
  /** Seed of the shuffle, so training is repeatable. */
  seed?: number;
  featureWeights?: Partial<FeatureWeights>;
  /** Language when nothing in the text tells (emoji only, "ok"). */
  defaultLanguage?: Locale;
  /** Intent reported, at confidence 0, for text with no usable content. */
  emptyIntent?: Intent;
}

interface Example {
  indices: Int32Array;
  values: Float64Array;
  kinds: Uint8Array;
  label: number;
  spanish: boolean;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Weight of one stop-word cue and of a Spanish-only character, in nats of the language log-odds.
const CUE_WEIGHT = 2.5;
const MARK_WEIGHT = 4;
// Below this share of its feature mass seen in training, a message is treated as mostly unknown text.
const FULL_COVERAGE = 0.6;
// Below this a class's gradient is skipped in training; its effect on the weights would be noise.
const GRADIENT_FLOOR = 1e-3;

/** Softmax of bias + Σ weights·x into `out`, for one sparse example. */
function softmax(example: Example, weights: Float32Array, bias: Float64Array, K: number, out: Float64Array): void {
  out.set(bias);
  for (let f = 0; f < example.indices.length; f++) {
    const row = example.indices[f]! * K;
    const x = example.values[f]!;
    for (let k = 0; k < K; k++) out[k]! += weights[row + k]! * x;
  }
  let top = out[0]!;
  for (let k = 1; k < K; k++) if (out[k]! > top) top = out[k]!;
  let sum = 0;
  for (let k = 0; k < K; k++) {
    const e = Math.exp(out[k]! - top);
    out[k] = e;
    sum += e;
  }
  for (let k = 0; k < K; k++) out[k]! /= sum;
}

/**
 * Softmax regression by stochastic gradient descent with a decaying step. The few epochs and the
 * decay are the regularisation: an L2 penalty made no difference in cross-validation.
 */
function trainIntentModel(
  examples: readonly Example[],
  featureCount: number,
  epochs: number,
  learningRate: number,
  seed: number,
): { weights: Float32Array; bias: Float64Array } {
  const K = intents.length;
  const weights = new Float32Array(featureCount * K);
  const bias = new Float64Array(K);
  const probs = new Float64Array(K);
  const activeClasses = new Int32Array(K);
  const activeSteps = new Float64Array(K);
  const order = examples.map((_, i) => i);
  const random = mulberry32(seed);
  let step = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const e of order) {
      const example = examples[e]!;
      const rate = learningRate / (1 + step++ / examples.length);
      softmax(example, weights, bias, K, probs);
      probs[example.label]! -= 1;
      // Only classes with a non-negligible gradient are updated: once an example is learnt that is
      // one or two of the 22, which keeps the later epochs cheap.
      let active = 0;
      for (let k = 0; k < K; k++) {
        const g = probs[k]!;
        if (g > GRADIENT_FLOOR || g < -GRADIENT_FLOOR) {
          activeClasses[active] = k;
          activeSteps[active] = rate * g;
          active++;
          bias[k]! -= rate * g;
        }
      }
      for (let f = 0; f < example.indices.length; f++) {
        const row = example.indices[f]! * K;
        const x = example.values[f]!;
        for (let a = 0; a < active; a++) weights[row + activeClasses[a]!]! -= activeSteps[a]! * x;
      }
    }
  }
  return { weights, bias };
}

/**
 * Multinomial naive Bayes over character n-grams, add-one smoothed: log P(n-gram|es) − log P(n-gram|en)
 * per feature index, NaN for features that are not n-grams.
 */
function trainLanguageModel(examples: readonly Example[], featureCount: number): Float64Array {
  const countEs = new Float64Array(featureCount);
  const countEn = new Float64Array(featureCount);
  const isNgram = new Uint8Array(featureCount);
  let totalEs = 0;
  let totalEn = 0;
  for (const example of examples) {
    for (let f = 0; f < example.indices.length; f++) {
      if (example.kinds[f] !== KIND_CHAR) continue;
      const index = example.indices[f]!;
      isNgram[index] = 1;
      if (example.spanish) {
        countEs[index]!++;
        totalEs++;
      } else {
        countEn[index]!++;
        totalEn++;
      }
    }
  }
  let vocabulary = 0;
  for (let i = 0; i < featureCount; i++) vocabulary += isNgram[i]!;
  const logRatio = new Float64Array(featureCount).fill(Number.NaN);
  for (let i = 0; i < featureCount; i++) {
    if (isNgram[i] !== 1) continue;
    logRatio[i] =
      Math.log((countEs[i]! + 1) / (totalEs + vocabulary)) - Math.log((countEn[i]! + 1) / (totalEn + vocabulary));
  }
  return logRatio;
}

export class OfflineClassifier implements IntentClassifier {
  private readonly buffer: FeatureBuffer;
  private readonly scores = new Float64Array(intents.length);

  private constructor(
    private readonly featureIndex: ReadonlyMap<number, number>,
    private readonly weights: Float32Array,
    private readonly bias: Float64Array,
    private readonly languageLogRatio: Float64Array,
    featureWeights: FeatureWeights,
    private readonly defaultLanguage: Locale,
    private readonly emptyIntent: Intent,
  ) {
    this.buffer = new FeatureBuffer(featureWeights);
  }

  static fromCorpus(tsv: string, options: OfflineClassifierOptions = {}): OfflineClassifier {
    return OfflineClassifier.fromRows(parseCorpus(tsv), options);
  }

  static fromRows(rows: readonly CorpusRow[], options: OfflineClassifierOptions = {}): OfflineClassifier {
    if (rows.length === 0) throw new Error('NLU corpus is empty');
    const featureWeights = { ...defaultFeatureWeights, ...options.featureWeights };
    const classOf = new Map<Intent, number>(intents.map((intent, k) => [intent, k]));

    // Index every feature seen in the corpus and keep each row as sparse (index, value) pairs.
    const featureIndex = new Map<number, number>();
    const buffer = new FeatureBuffer(featureWeights);
    const examples = rows.map((row): Example => {
      buffer.fill(normalise(row.text));
      const indices = new Int32Array(buffer.length);
      for (let i = 0; i < buffer.length; i++) {
        const hash = buffer.hashes[i]!;
        let index = featureIndex.get(hash);
        if (index === undefined) {
          index = featureIndex.size;
          featureIndex.set(hash, index);
        }
        indices[i] = index;
      }
      return {
        indices,
        values: buffer.values.slice(0, buffer.length),
        kinds: buffer.kinds.slice(0, buffer.length),
        label: classOf.get(row.intent)!,
        spanish: row.language === 'es',
      };
    });

    const { weights, bias } = trainIntentModel(
      examples,
      featureIndex.size,
      options.epochs ?? 10,
      options.learningRate ?? 1.5,
      options.seed ?? 7,
    );
    return new OfflineClassifier(
      featureIndex,
      weights,
      bias,
      trainLanguageModel(examples, featureIndex.size),
      featureWeights,
      options.defaultLanguage ?? 'es',
      options.emptyIntent ?? 'out_of_scope',
    );
  }

  async classify(text: string): Promise<Classification> {
    return this.classifySync(text);
  }

  /** The same as classify, without the promise: for evaluation loops and benchmarks. */
  classifySync(text: string): Classification {
    const normalised = normalise(text);
    const buffer = this.buffer;
    buffer.fill(normalised);
    const K = intents.length;
    const scores = this.scores;
    scores.set(this.bias);

    let totalMass = 0;
    let knownMass = 0;
    let languageEvidence = spanishMarks.test(text) ? MARK_WEIGHT : 0;
    for (let i = 0; i < buffer.length; i++) {
      const x = buffer.values[i]!;
      const hash = buffer.hashes[i]!;
      totalMass += x * x;
      if (buffer.kinds[i] === KIND_WORD) {
        if (spanishCues.has(hash)) languageEvidence += CUE_WEIGHT;
        if (englishCues.has(hash)) languageEvidence -= CUE_WEIGHT;
      }
      const index = this.featureIndex.get(hash);
      if (index === undefined) continue;
      knownMass += x * x;
      const row = index * K;
      for (let k = 0; k < K; k++) scores[k]! += this.weights[row + k]! * x;
      const ratio = this.languageLogRatio[index]!;
      if (!Number.isNaN(ratio)) languageEvidence += ratio;
    }

    // Positive evidence means Spanish; with none at all (emoji, unseen text) the default decides.
    const language: Locale = languageEvidence === 0 ? this.defaultLanguage : languageEvidence > 0 ? 'es' : 'en';
    // Bare numbers ("12", a code, a phone number) say nothing about intent; their parsers own them.
    if (knownMass === 0 || !hasLetter.test(normalised)) return { intent: this.emptyIntent, language, confidence: 0 };

    let best = 0;
    for (let k = 1; k < K; k++) if (scores[k]! > scores[best]!) best = k;
    const top = scores[best]!;
    let sum = 0;
    for (let k = 0; k < K; k++) sum += Math.exp(scores[k]! - top);
    // Text that is mostly unseen n-grams ("asdf qwer") cannot be trusted however the softmax leans.
    const coverage = Math.min(1, knownMass / totalMass / FULL_COVERAGE);
    return { intent: intents[best]!, language, confidence: (coverage * coverage) / sum };
  }
}

/** Reads and trains on dialogs/nlu/corpus.tsv, the classifier Clave embeds by default. */
export async function loadDefaultOfflineClassifier(options: OfflineClassifierOptions = {}): Promise<OfflineClassifier> {
  const tsv = await readFile(new URL('../../dialogs/nlu/corpus.tsv', import.meta.url), 'utf8');
  return OfflineClassifier.fromCorpus(tsv, options);
}
