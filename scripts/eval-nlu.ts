// Scores the offline classifier on a labelled TSV (intent, language, text): accuracy, per-intent
// precision/recall/F1 and the commonest confusions, and how many messages each LLM_THRESHOLD would send to
// the language model. With OPENAI_API_KEY or OPENAI_BASE_URL set it also scores the tiered classifier
// (offline, then the model below the threshold) and prints the share of messages that reached the model.
// `npx tsx scripts/eval-nlu.ts test/nlu/heldout.tsv`
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { systemClock } from '../src/clock.js';
import { loadConfig, type Config } from '../src/config.js';
import { CircuitBreaker } from '../src/nlu/circuit-breaker.js';
import { intents, type Intent, type IntentClassifier } from '../src/nlu/classifier.js';
import { createOpenAIClient, LlmClassifier } from '../src/nlu/llm-classifier.js';
import { LruCache } from '../src/nlu/lru-cache.js';
import {
  loadDefaultOfflineClassifier,
  parseCorpus,
  type CorpusRow,
  type OfflineClassifier,
} from '../src/nlu/offline-classifier.js';
import { TieredClassifier } from '../src/nlu/tiered-classifier.js';

export interface IntentScore {
  intent: Intent;
  precision: number;
  recall: number;
  f1: number;
  /** Rows labelled with this intent. */
  support: number;
}

export interface Confusion {
  expected: Intent;
  predicted: Intent;
  count: number;
  examples: string[];
}

export interface EvaluationReport {
  total: number;
  intentAccuracy: number;
  languageAccuracy: number;
  perIntent: IntentScore[];
  /** Most frequent (expected → predicted) mistakes first. */
  confusions: Confusion[];
  /** Every row the classifier got wrong on intent or language. */
  errors: { row: CorpusRow; intent: Intent; language: string; confidence: number }[];
}

const ratio = (n: number, d: number): number => (d === 0 ? 0 : n / d);

export async function evaluate(classifier: IntentClassifier, rows: readonly CorpusRow[]): Promise<EvaluationReport> {
  const truePositives = new Map<Intent, number>();
  const predicted = new Map<Intent, number>();
  const support = new Map<Intent, number>();
  const confusions = new Map<string, Confusion>();
  const errors: EvaluationReport['errors'] = [];
  let intentHits = 0;
  let languageHits = 0;

  for (const row of rows) {
    const result = await classifier.classify(row.text);
    support.set(row.intent, (support.get(row.intent) ?? 0) + 1);
    predicted.set(result.intent, (predicted.get(result.intent) ?? 0) + 1);
    const intentRight = result.intent === row.intent;
    const languageRight = result.language === row.language;
    if (intentRight) {
      intentHits++;
      truePositives.set(row.intent, (truePositives.get(row.intent) ?? 0) + 1);
    } else {
      const key = `${row.intent}\u0000${result.intent}`;
      const confusion = confusions.get(key) ?? {
        expected: row.intent,
        predicted: result.intent,
        count: 0,
        examples: [],
      };
      confusion.count++;
      confusion.examples.push(row.text);
      confusions.set(key, confusion);
    }
    if (languageRight) languageHits++;
    if (!intentRight || !languageRight) {
      errors.push({ row, intent: result.intent, language: result.language, confidence: result.confidence });
    }
  }

  const perIntent = intents
    .filter((intent) => (support.get(intent) ?? 0) > 0 || (predicted.get(intent) ?? 0) > 0)
    .map((intent): IntentScore => {
      const tp = truePositives.get(intent) ?? 0;
      const precision = ratio(tp, predicted.get(intent) ?? 0);
      const recall = ratio(tp, support.get(intent) ?? 0);
      return {
        intent,
        precision,
        recall,
        f1: ratio(2 * precision * recall, precision + recall),
        support: support.get(intent) ?? 0,
      };
    });

  return {
    total: rows.length,
    intentAccuracy: ratio(intentHits, rows.length),
    languageAccuracy: ratio(languageHits, rows.length),
    perIntent,
    confusions: [...confusions.values()].sort((a, b) => b.count - a.count),
    errors,
  };
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

export function formatReport(report: EvaluationReport, maxConfusions = 10): string {
  const lines = [
    `rows: ${report.total}`,
    `intent accuracy:   ${pct(report.intentAccuracy)}`,
    `language accuracy: ${pct(report.languageAccuracy)}`,
    '',
    `${'intent'.padEnd(22)} ${'prec'.padStart(6)} ${'recall'.padStart(6)} ${'f1'.padStart(6)} ${'n'.padStart(4)}`,
    ...report.perIntent.map((s) =>
      [s.intent.padEnd(22), pct(s.precision).padStart(6), pct(s.recall).padStart(6), pct(s.f1).padStart(6)]
        .concat(String(s.support).padStart(4))
        .join(' '),
    ),
    '',
    'most frequent confusions (expected → predicted):',
    ...(report.confusions.length === 0
      ? ['  none']
      : report.confusions
          .slice(0, maxConfusions)
          .map((c) => `  ${c.count} × ${c.expected} → ${c.predicted}  e.g. "${c.examples[0] ?? ''}"`)),
  ];
  const languageErrors = report.errors.filter((e) => e.language !== e.row.language);
  if (languageErrors.length > 0) {
    lines.push(
      '',
      'language errors:',
      ...languageErrors.map((e) => `  ${e.row.language} → ${e.language}  "${e.row.text}"`),
    );
  }
  return lines.join('\n');
}

export interface ThresholdRow {
  threshold: number;
  /** Share of messages whose offline confidence is below the threshold: those the model would see. */
  toModel: number;
  /** Offline intent accuracy on the messages kept offline, and how many of them are wrong. */
  keptAccuracy: number;
  keptWrong: number;
  /** Offline mistakes below the threshold, which the model gets a chance to fix. */
  sentWrong: number;
}

/** For each LLM_THRESHOLD candidate: what share goes to the model and which offline mistakes stay. */
export function sweepThresholds(
  classifier: OfflineClassifier,
  rows: readonly CorpusRow[],
  thresholds: readonly number[] = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9],
): ThresholdRow[] {
  const results = rows.map((row) => ({ row, result: classifier.classifySync(row.text) }));
  return thresholds.map((threshold) => {
    const kept = results.filter((r) => r.result.confidence >= threshold);
    const sent = results.filter((r) => r.result.confidence < threshold);
    const keptWrong = kept.filter((r) => r.result.intent !== r.row.intent).length;
    return {
      threshold,
      toModel: ratio(sent.length, results.length),
      keptAccuracy: ratio(kept.length - keptWrong, kept.length),
      keptWrong,
      sentWrong: sent.filter((r) => r.result.intent !== r.row.intent).length,
    };
  });
}

export function formatSweep(sweep: readonly ThresholdRow[]): string {
  return [
    'offline confidence threshold (LLM_THRESHOLD) sweep:',
    `  ${'threshold'.padEnd(9)} ${'to model'.padStart(8)} ${'kept acc'.padStart(8)} ${'kept wrong'.padStart(10)} ${'sent wrong'.padStart(10)}`,
    ...sweep.map(
      (s) =>
        `  ${s.threshold.toFixed(2).padEnd(9)} ${pct(s.toModel).padStart(8)} ${pct(s.keptAccuracy).padStart(8)} ` +
        `${String(s.keptWrong).padStart(10)} ${String(s.sentWrong).padStart(10)}`,
    ),
  ].join('\n');
}

/** The same tiered classifier the app builds, from the same configuration (a tool may wire its own parts). */
function tieredFrom(config: Config, offline: OfflineClassifier): TieredClassifier {
  const { llm } = config;
  return new TieredClassifier({
    offline,
    threshold: llm.threshold,
    llm: new LlmClassifier({
      client: createOpenAIClient({ apiKey: config.openai.apiKey, baseUrl: config.openai.baseUrl, timeoutMs: llm.timeoutMs }),
      model: config.openai.model,
      timeoutMs: llm.timeoutMs,
      breaker: new CircuitBreaker({ failureThreshold: llm.breakerFailures, cooldownMs: llm.breakerCooldownMs, clock: systemClock }),
      cache: new LruCache(llm.cacheSize, llm.cacheTtlMs, systemClock),
      fallback: offline,
    }),
  });
}

async function main(argv: readonly string[]): Promise<number> {
  const file = argv[0];
  if (file === undefined) {
    process.stderr.write('usage: tsx scripts/eval-nlu.ts FILE.tsv  (set OPENAI_API_KEY or OPENAI_BASE_URL to score the tiered classifier too)\n');
    return 2;
  }
  const rows = parseCorpus(await readFile(resolve(file), 'utf8'));
  const trainStart = performance.now();
  const classifier = await loadDefaultOfflineClassifier();
  const trainMs = performance.now() - trainStart;
  const report = await evaluate(classifier, rows);

  // Time the synchronous path over many passes, after a warm-up, for a stable per-message figure.
  for (const row of rows) classifier.classifySync(row.text);
  const passes = Math.max(1, Math.ceil(20_000 / Math.max(1, rows.length)));
  const start = performance.now();
  for (let p = 0; p < passes; p++) for (const row of rows) classifier.classifySync(row.text);
  const perMessageMs = (performance.now() - start) / (passes * rows.length);

  process.stdout.write(`${formatReport(report)}\n\n`);
  process.stdout.write(`training: ${trainMs.toFixed(0)} ms; classification: ${perMessageMs.toFixed(4)} ms/message\n\n`);
  process.stdout.write(`${formatSweep(sweepThresholds(classifier, rows))}\n`);

  const config = loadConfig(process.env);
  if (!config.openai.apiKey && !config.openai.baseUrl) {
    process.stdout.write('\nOPENAI_API_KEY / OPENAI_BASE_URL not set: the tiered classifier was not evaluated.\n');
    return 0;
  }
  const tiered = tieredFrom(config, classifier);
  const start2 = performance.now();
  const tieredReport = await evaluate(tiered, rows);
  const elapsed = performance.now() - start2;
  const counts = tiered.pathCounts;
  const reached = counts.llm + counts.llmFallback;
  process.stdout.write(`\ntiered classifier (model ${config.openai.model}, LLM_THRESHOLD ${config.llm.threshold}):\n`);
  process.stdout.write(`${formatReport(tieredReport)}\n\n`);
  process.stdout.write(
    `reached the LLM (offline confidence below the threshold): ${reached} of ${rows.length} ` +
      `(${pct(ratio(reached, rows.length))}); answered by it: ${counts.llm}; fell back to offline: ${counts.llmFallback}; ` +
      `${(elapsed / rows.length).toFixed(1)} ms/message\n`,
  );
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
