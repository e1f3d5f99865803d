// Offline first, the language model only when the offline classifier is unsure: most messages cost
// microseconds and never leave the process. Counts which path answered, so metrics can show the LLM share.
import type { Classification, IntentClassifier } from './classifier.js';
import type { LlmFailure, LlmOutcome } from './llm-classifier.js';

/** Which tier answered: the offline model, the language model, or the offline model after the LLM failed. */
export type ClassifierPath = 'offline' | 'llm' | 'llmFallback';

export interface PathCounts {
  offline: number;
  llm: number;
  llmFallback: number;
}

export interface TieredClassifierOptions {
  offline: IntentClassifier;
  llm: { attempt(text: string): Promise<LlmOutcome> };
  /** At or above this offline confidence the language model is not asked (LLM_THRESHOLD). */
  threshold: number;
  /** Told which path answered each message (and why the LLM failed); never the text. */
  onPath?: (path: ClassifierPath, detail: { reason?: LlmFailure; cached?: boolean }) => void;
}

export class TieredClassifier implements IntentClassifier {
  private readonly counts: PathCounts = { offline: 0, llm: 0, llmFallback: 0 };

  constructor(private readonly options: TieredClassifierOptions) {}

  /** A copy of the counters since start-up. */
  get pathCounts(): PathCounts {
    return { ...this.counts };
  }

  async classify(text: string): Promise<Classification> {
    const offline = await this.options.offline.classify(text);
    if (offline.confidence >= this.options.threshold) return this.record('offline', {}, offline);
    const outcome = await this.options.llm.attempt(text);
    if (outcome.ok) return this.record('llm', { cached: outcome.cached }, outcome.classification);
    return this.record('llmFallback', { reason: outcome.reason }, offline);
  }

  private record(path: ClassifierPath, detail: { reason?: LlmFailure; cached?: boolean }, result: Classification): Classification {
    this.counts[path]++;
    this.options.onPath?.(path, detail);
    return result;
  }
}
