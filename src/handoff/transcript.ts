// The last turns of every conversation, kept so that a handoff can show the agent what happened. The person's
// words are kept only after redaction (src/nlu/redact.ts: addresses, numbers, links, password-looking words)
// and recovery-code-shaped tokens; anything that looks like a password is never kept at all. The bot's
// replies are kept by message key, never with their parameters (a reset link is a parameter).
import { isMessageKey } from '../../dialogs/catalog.js';
import type { Choice, SayEvent } from '../../machines/recovery.types.js';
import type { Clock } from '../clock.js';
import type { TurnInput } from '../conversation/engine.js';
import { looksLikePassword } from '../nlu/password-like.js';
import { PLACEHOLDERS, redact } from '../nlu/redact.js';
import type { KeyValueStore } from '../stores/kv-store.js';
import { contentionPause, DocumentContentionError, readDoc, readVersionedDoc } from './json-doc.js';

/** What the person sent in one turn, as far as it may be kept. */
export type PersonEntry =
  | { text: string }
  | { choice: Choice }
  /** Looked like a password: the bot refused it and nothing of it is kept. */
  | { withheld: 'password' }
  /** An owner-identification answer (card digits, postal code, security answer): never kept. */
  | { withheld: 'answer' };

export interface TranscriptTurn {
  at: number;
  /** Null for turns the person did not type (the channel opening the conversation). */
  person: PersonEntry | null;
  /** Message keys of what the bot said, in order. */
  bot: string[];
}

export interface TranscriptRecord {
  /** The conversation's first recorded turn: where "time spent" counts from. */
  startedAt: number;
  turns: TranscriptTurn[];
  /** Wrong answers seen so far, read from what the bot said (never from what was typed). */
  failures: { code: number; secondFactor: number };
  /** The bot said the account's self-service recovery is paused. */
  lockedOut: boolean;
}

/** Turns kept per conversation: enough for an agent to follow, little enough to read at a glance. */
export const TRANSCRIPT_TURNS_KEPT = 20;
const MAX_TEXT_KEPT = 500;

// Recovery codes (XXXX-XXXX-XXXX-XXXX, with or without separators) pass the general redaction; they are
// secrets too. A 16-letter word is not caught: a code has a digit or its separators.
const RECOVERY_CODE_SHAPED = /\b[A-Z0-9]{4}[-\s]?[A-Z0-9]{4}[-\s]?[A-Z0-9]{4}[-\s]?[A-Z0-9]{4}\b/gi;

/**
 * The person's text as an agent may see it: redacted, recovery codes replaced, cut to a readable length.
 * Null when the whole message looks like a password: then nothing of it is kept or shown.
 */
export function redactForAgent(text: string): string | null {
  const trimmed = text.trim();
  if (looksLikePassword(trimmed)) return null;
  const redacted = redact(trimmed).replace(RECOVERY_CODE_SHAPED, (match) =>
    /\d|[-\s]/.test(match) ? PLACEHOLDERS.secret : match,
  );
  return redacted.length > MAX_TEXT_KEPT ? `${redacted.slice(0, MAX_TEXT_KEPT)}…` : redacted;
}

export function personEntryOf(input: TurnInput, secret = false): PersonEntry | null {
  const choice = (input.value as { choice?: unknown } | undefined)?.choice;
  // Only the bot's own buttons; a made-up payload is kept as nothing rather than as text.
  if (typeof choice === 'string') return isMessageKey(`choice_${choice}`) ? { choice: choice as Choice } : null;
  if (input.greet || typeof input.text !== 'string' || !input.text.trim()) return null;
  if (secret) return { withheld: 'answer' };
  const text = redactForAgent(input.text);
  return text === null ? { withheld: 'password' } : { text };
}

const CODE_FAILURE_KEYS = new Set(['code_wrong', 'code_exhausted']);

const key = (conversationId: string) => `handoff:transcript:{${conversationId}}`;

/** Transcripts this process wrote last, kept to write the next turn without reading first. */
const RECENT_KEPT = 1_000;

interface Written {
  doc: TranscriptRecord;
  version: number;
  at: number;
}

export class TranscriptRecorder {
  constructor(
    private readonly store: KeyValueStore,
    private readonly clock: Clock,
    /** How long a conversation's transcript is kept after its last turn. */
    private readonly ttlMs: number,
    private readonly turnsKept = TRANSCRIPT_TURNS_KEPT,
  ) {}

  /** Insertion order is recency; an entry leaves while its write is out and comes back once it succeeded. */
  private readonly recent = new Map<string, Written>();

  /**
   * Adds the turn by compare-and-set. The transcript this process wrote last is written on without reading it
   * first (one round trip a turn, not two): the write only lands while the stored version is still the one that
   * write made, so another instance's turn in between makes it fail and the transcript is read and tried again.
   * An entry is trusted for half the TTL only: past that the key may have expired and been written anew by
   * another instance up to the same version. `secret`: the person answered an owner-identification question; what
   * they typed is never kept.
   */
  async record(conversationId: string, input: TurnInput, says: SayEvent[], secret = false): Promise<void> {
    const now = this.clock.now();
    const turn: TranscriptTurn = { at: now, person: personEntryOf(input, secret), bot: says.map((s) => s.key) };
    if (!turn.person && !turn.bot.length) return;
    const id = key(conversationId);
    let known = this.recent.get(id);
    this.recent.delete(id);
    if (known && now - known.at >= this.ttlMs / 2) known = undefined;
    for (let attempt = 0; attempt < 25; attempt++) {
      const { doc: current, version } = known ?? (await readVersionedDoc<TranscriptRecord>(this.store, id));
      const next = this.withTurn(current, turn, now);
      if (await this.store.compareAndSet(id, version, JSON.stringify(next), this.ttlMs)) {
        this.remember(id, { doc: next, version: version + 1, at: now });
        return;
      }
      // What this process knew is out of date: read at once; a transcript read just now lost a race, so wait.
      if (!known) await contentionPause(attempt);
      known = undefined;
    }
    throw new DocumentContentionError(id);
  }

  private withTurn(current: TranscriptRecord | null, turn: TranscriptTurn, now: number): TranscriptRecord {
    const record = current ?? { startedAt: now, turns: [], failures: { code: 0, secondFactor: 0 }, lockedOut: false };
    return {
      startedAt: record.startedAt,
      turns: [...record.turns, turn].slice(-this.turnsKept),
      failures: {
        code: record.failures.code + turn.bot.filter((k) => CODE_FAILURE_KEYS.has(k)).length,
        secondFactor: record.failures.secondFactor + turn.bot.filter((k) => k === 'second_factor_wrong').length,
      },
      lockedOut: record.lockedOut || turn.bot.includes('locked_out'),
    };
  }

  private remember(id: string, written: Written): void {
    this.recent.set(id, written);
    for (const oldest of this.recent.keys()) {
      if (this.recent.size <= RECENT_KEPT) break;
      this.recent.delete(oldest);
    }
  }

  read(conversationId: string): Promise<TranscriptRecord | null> {
    return readDoc<TranscriptRecord>(this.store, key(conversationId));
  }
}
