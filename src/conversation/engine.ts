// Runs one turn of a conversation: restore the chart from its stored snapshot, move the clock, turn the
// person's input into one event, let invoked services settle, collect what the chart said, save.
// Turns of one conversation run one at a time in this process; the store's versioned write catches the rest.
import { createActor, fromPromise, waitFor, type Snapshot } from 'xstate';
import { RECOVERY_CHART_VERSION, recoveryMachine } from '../../machines/recovery.machine.js';
import type {
  Channel,
  HandoffInput,
  Locale,
  RecoveryEmitted,
  RecoveryEvent,
  SayEvent,
} from '../../machines/recovery.types.js';
import type { Clock } from '../clock.js';
import type { OwnerCheckService } from '../services/owner-check.js';
import type { ResetService } from '../services/reset-service.js';
import { StoreUnavailableError } from '../stores/kv-store.js';
import type { VerificationService } from '../services/verification-service.js';
import { RECORD_SCHEMA_VERSION, type ConversationStore, type StoredRecord } from './conversation-store.js';
import type { ConversationLocks } from './conversation-lock.js';
import type { Expectation, InputParser, ParsedInput } from './input-parser.js';
import type { NudgeScheduler } from './nudge-scheduler.js';

export interface TurnInput {
  text?: string | undefined;
  value?: unknown;
  /** The channel's locale hint (e.g. Web Chat's browser language), used only to start a conversation. */
  locale?: string | undefined;
  /** A greeting from the channel (conversation opened) rather than something the person typed. */
  greet?: boolean;
}

export interface TurnResult {
  says: SayEvent[];
  locale: Locale;
  /** Where the turn ended, for tests and metrics. */
  state: string;
  path: ParsedInput['path'] | 'system';
  /** Where the conversation stood when the turn began, before the clock moved ('none' when new), for metrics. */
  from: string;
  /** True when moving the clock ended the previous conversation (idle too long) at the start of this turn. */
  idledOut: boolean;
  /** The person typed an owner-identification answer: transcripts keep none of it. */
  secret?: boolean;
}

export interface EngineDeps {
  store: ConversationStore;
  /** Owner identification before a handoff (card digits, postal code, security question). */
  ownerCheck: OwnerCheckService;
  parser: InputParser;
  clock: Clock;
  verification: VerificationService;
  reset: ResetService;
  idleLimitMs: number;
  repromptLimit: number;
  onHandoff: (input: HandoffInput) => Promise<void>;
  /**
   * Asked before the person's input is parsed, with the chart's state: while an agent has the chat the
   * handoff desk takes the message (src/handoff/) and answers what the bot says, so the chart does not run;
   * null lets the chart have it.
   */
  relay?: (conversationId: string, input: TurnInput, state: string) => Promise<SayEvent[] | null>;
  locks: ConversationLocks;
  /** "Didn't get the code?" after `afterMs` of quiet while a code is pending; absent = never. */
  nudges?: { scheduler: NudgeScheduler; afterMs: number };
  /**
   * Whether the provider behind a channel is failing for everyone (src/services/delivery-health.ts); asked only
   * while a code is awaited and the chart has not yet said so for it. Absent = never.
   */
  deliveryTrouble?: (channel: Channel) => Promise<boolean>;
  /** How long invoked services may take before the turn fails (the person gets the turn-error apology). */
  settleTimeoutMs?: number;
  /**
   * Keeps the person's turn for a handoff (src/handoff/transcript.ts). Sent with the record's write, so it costs no
   * round trip of its own, and awaited before the turn ends, so what follows the turn reads it. Must not reject.
   */
  recordTurn?: (conversationId: string, input: TurnInput, says: SayEvent[], secret: boolean) => Promise<void>;
  /**
   * How many conversations keep their chart running in this process between turns (least recently used leave
   * first); 0 restores every turn from the stored snapshot. Default LIVE_ACTORS_KEPT.
   */
  liveActors?: number;
}

type RecoveryActor = ReturnType<typeof createActor<typeof recoveryMachine>>;
type Loaded = Awaited<ReturnType<ConversationStore['load']>>;

/** Where an actor's says and service calls go: the lists of the turn in progress, new ones every turn. */
interface TurnSink {
  says: SayEvent[];
  pending: Promise<unknown>[];
}

/** A chart kept running between turns, with the record it last wrote: it is used again only while that is stored. */
interface LiveActor {
  actor: RecoveryActor;
  sink: TurnSink;
  stored: StoredRecord;
}

/**
 * Restoring a chart from its snapshot is most of what a turn costs after the framework (bench/RESULTS.md); an
 * actor a few kilobytes large, kept for the conversations active lately, saves it. Tune with `liveActors`.
 */
export const LIVE_ACTORS_KEPT = 1_000;

export const localeFrom = (hint: string | undefined): Locale => (hint?.toLowerCase().startsWith('es') ? 'es' : 'en');

export function stateName(value: unknown): string {
  if (typeof value === 'string') return value;
  const [k, v] = Object.entries(value as Record<string, unknown>)[0] ?? ['?', ''];
  return v ? `${k}.${stateName(v)}` : k;
}

/** The one state where a quiet spell earns a nudge. */
export const NUDGE_STATE = 'journey.awaitingCode';

/** Words it takes before a message's language is worth following ("ok", "sí" or a code never switch it). */
const WORDS_TO_JUDGE_LANGUAGE = 4;

export function shouldFollowLanguage(parsed: ParsedInput, text: string | undefined, current: Locale): boolean {
  if (parsed.path !== 'classifier' || !parsed.language || parsed.language === current) return false;
  if (parsed.event.type === 'UNRECOGNIZED') return false;
  return (text ?? '').trim().split(/\s+/).length >= WORDS_TO_JUDGE_LANGUAGE;
}

export function expectationOf(actor: RecoveryActor): Expectation {
  const snapshot = actor.getSnapshot();
  if (snapshot.status !== 'active') return 'none';
  const tag = [...snapshot.tags].find((t) => t.startsWith('expects:'));
  return tag ? (tag.slice('expects:'.length) as Expectation) : 'none';
}

export class ConversationEngine {
  private readonly machine;
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Insertion order is recency: a turn takes its conversation's entry out and finish() puts it back last. */
  private readonly live = new Map<string, LiveActor>();

  constructor(private readonly deps: EngineDeps) {
    const { verification, reset, ownerCheck } = deps;
    this.machine = recoveryMachine.provide({
      actors: {
        lookupAccount: fromPromise(({ input }) => verification.lookup(input)),
        sendCode: fromPromise(({ input }) => verification.sendCode(input)),
        verifyCode: fromPromise(({ input }) => verification.verifyCode(input)),
        verifySecondFactor: fromPromise(({ input }) => verification.verifySecondFactor(input)),
        issueResetLink: fromPromise(({ input }) => reset.issueLink(input)),
        prepareOwnerCheck: fromPromise(({ input }) => ownerCheck.prepare(input)),
        holdCardDigits: fromPromise(({ input }) => ownerCheck.holdCardDigits(input)),
        checkPaymentDetails: fromPromise(({ input }) => ownerCheck.checkPaymentDetails(input)),
        checkSecurityAnswer: fromPromise(({ input }) => ownerCheck.checkSecurityAnswer(input)),
      },
    });
  }

  /**
   * Serialises work per conversation: in this process by a queue, across instances by the store's lock. The
   * conversation's record is read in the same round trip as the lock is taken, and handed to `work` when it can be
   * trusted (the lock was free at once); otherwise `work` gets undefined and reads it under the lock.
   */
  private exclusive<T>(
    conversationId: string,
    work: (loaded: Loaded | undefined, release: () => Promise<void>) => Promise<T>,
  ): Promise<T> {
    const previous = this.queues.get(conversationId) ?? Promise.resolve();
    const locked = () =>
      this.deps.locks.run(conversationId, work, () => this.deps.store.load(conversationId, this.live.get(conversationId)?.stored));
    const next = previous.then(locked, locked);
    const tail = next.catch(() => undefined);
    this.queues.set(conversationId, tail);
    void tail.then(() => {
      if (this.queues.get(conversationId) === tail) this.queues.delete(conversationId);
    });
    return next;
  }

  private start(conversationId: string, locale: Locale, snapshot?: Snapshot<unknown>): RecoveryActor {
    const input = {
      conversationId,
      locale,
      now: this.deps.clock.now(),
      idleLimitMs: this.deps.idleLimitMs,
      repromptLimit: this.deps.repromptLimit,
    };
    return createActor(this.machine, snapshot ? { snapshot, input } : { input });
  }

  private async run(actor: RecoveryActor, event: RecoveryEvent): Promise<void> {
    const settled = (s: ReturnType<RecoveryActor['getSnapshot']>) => s.status !== 'active' || Object.keys(s.children).length === 0;
    actor.send(event);
    // Most events invoke nothing: no subscription and no deadline timer for those.
    if (settled(actor.getSnapshot())) return;
    await waitFor(actor, settled, { timeout: this.deps.settleTimeoutMs ?? 15_000 });
  }

  /** One turn from the person. `reference` is kept so the bot can write back later (reset confirmation). */
  handleTurn(conversationId: string, input: TurnInput, reference: Record<string, unknown> | null): Promise<TurnResult> {
    return this.exclusive(conversationId, async (prefetched, release) => {
      // Restore the conversation; a record that cannot be trusted (another chart version, corrupt) restarts it.
      const found = await this.actorFor(conversationId, prefetched);
      const { record, version, unreadable } = found.loaded;
      const { sink } = found;
      const { says, pending } = sink;
      let { actor } = found;
      reference ??= record?.reference ?? null;
      const restarted = unreadable === true || (record !== null && actor === null);
      const previousLocale: Locale | null = actor ? actor.getSnapshot().context.locale : null;
      const from = actor ? stateName(actor.getSnapshot().value) : 'none';
      const wasActive = actor?.getSnapshot().status === 'active';
      if (actor?.getSnapshot().status === 'active') actor.send({ type: 'TICK', at: this.deps.clock.now() });
      const idledOut = wasActive && actor?.getSnapshot().status !== 'active';
      // A finished (or just timed-out) conversation: this message starts a new one in the same language.
      if (actor && actor.getSnapshot().status !== 'active') actor = null;
      const trouble = this.deliveryTrouble(actor);

      // A person (an agent) has the chat: the message is theirs, and neither the parser nor the chart reads it.
      const relayed = actor && this.deps.relay ? await this.deps.relay(conversationId, input, stateName(actor.getSnapshot().value)) : null;
      if (actor && relayed) {
        says.push(...relayed);
        return this.finish(conversationId, actor, sink, version, reference, 'system', { from, idledOut }, { type: 'TICK', at: this.deps.clock.now() }, release, input);
      }

      const parsed = await this.deps.parser.parse(input, actor ? expectationOf(actor) : 'intent');
      if (!actor) {
        // The text's language counts only when the text was understood: "asdf" says nothing about it.
        const understood = parsed.event.type !== 'UNRECOGNIZED' ? parsed.language : null;
        actor = this.start(conversationId, previousLocale ?? understood ?? localeFrom(input.locale));
        // Listening after start(): a new conversation's opening prompt stays unsaid; the first message decides.
        actor.start();
        this.listen(actor, sink);
        if (restarted) says.push({ type: 'say', key: 'conversation_restarted' });
        // No TICK: the chart has just started with the clock's time as its last activity.
      } else if (shouldFollowLanguage(parsed, input.text, actor.getSnapshot().context.locale)) {
        actor.send({ type: 'ADOPT_LANGUAGE', locale: parsed.language! });
      }
      const event = input.greet ? ({ type: 'GREET' } as const) : parsed.event;
      // Said before the turn goes on as usual; a typed code needs no "try another channel".
      if (trouble && event.type !== 'DIGITS' && (await trouble)) actor.send({ type: 'DELIVERY_TROUBLE' });
      await this.run(actor, actor.getSnapshot().can(event) ? event : { type: 'UNRECOGNIZED' });
      await Promise.all(pending);
      const origin = { from, idledOut, ...(parsed.secret ? { secret: true } : {}) };
      return this.finish(conversationId, actor, sink, version, reference, input.greet ? 'system' : parsed.path, origin, event, release, input);
    });
  }

  /**
   * The conversation's record and its chart: the live actor when the store holds exactly what that actor last
   * wrote (no other instance, nor anything else, wrote since), else one restored from the record (null: none, or
   * not to be trusted). The live actor leaves the cache for the turn and only finish() puts it back, so a turn
   * that fails anywhere drops it.
   */
  private async actorFor(
    conversationId: string,
    prefetched: Loaded | undefined,
  ): Promise<{ loaded: Loaded; actor: RecoveryActor | null; sink: TurnSink }> {
    const live = this.live.get(conversationId);
    this.live.delete(conversationId);
    const loaded = prefetched ?? (await this.deps.store.load(conversationId, live?.stored));
    if (live && loaded.unchanged) {
      live.sink.says = [];
      live.sink.pending = [];
      return { loaded, actor: live.actor, sink: live.sink };
    }
    live?.actor.stop();
    const sink: TurnSink = { says: [], pending: [] };
    const { record } = loaded;
    return { loaded, sink, actor: record ? this.restore(conversationId, record.snapshot, record.chartVersion, sink) : null };
  }

  /**
   * Starts reading whether the pending code's channel is failing at its provider, only while the chart would
   * still say so: one store read, going out while the input is parsed. Never rejects: no answer is no news.
   */
  private deliveryTrouble(actor: RecoveryActor | null): Promise<boolean> | null {
    const snapshot = actor?.getSnapshot();
    const channel = snapshot?.context.channel;
    if (!this.deps.deliveryTrouble || !snapshot?.hasTag('expects:code') || !channel) return null;
    if (!snapshot.can({ type: 'DELIVERY_TROUBLE' })) return null;
    return this.deps.deliveryTrouble(channel).catch(() => false);
  }

  /**
   * A stored snapshot as a started actor, or null when it cannot be trusted: written by another chart version,
   * or not a snapshot of this chart at all. Never throws, and never lets xstate throw later.
   */
  private restore(conversationId: string, snapshot: unknown, chartVersion: number, sink: TurnSink): RecoveryActor | null {
    if (chartVersion !== RECOVERY_CHART_VERSION) return null;
    let actor: RecoveryActor | null = null;
    try {
      actor = this.listen(this.start(conversationId, 'en', snapshot as Snapshot<unknown>), sink);
      // xstate reports a snapshot it cannot restore as an actor error, rethrown from a timer (ending the
      // process) unless an observer takes it; this one does, for the restore only.
      const restoring = actor.subscribe({ error: () => undefined });
      actor.start();
      restoring.unsubscribe();
      const restored = actor.getSnapshot();
      if (restored.status !== 'error' && typeof restored.context?.locale === 'string') return actor;
    } catch {
      // falls through: unreadable
    }
    actor?.stop();
    return null;
  }

  /**
   * Collects what the chart says and carries out what it asks for (handoff, forgetting proofs), into the lists
   * `sink` holds when the chart emits: a live actor's sink gets new ones every turn.
   */
  private listen(actor: RecoveryActor, sink: TurnSink): RecoveryActor {
    actor.on('say', (e) => sink.says.push(e));
    actor.on('handoff', (e) => void this.deps.onHandoff(e.input));
    actor.on('forget', (e) => {
      sink.pending.push(
        this.deps.verification.forget(e.conversationId),
        this.deps.reset.revoke(e.conversationId),
        this.deps.ownerCheck.forget(e.conversationId),
      );
    });
    return actor;
  }

  /** An event from outside the chat (the reset page, the handoff desk); returns what to tell the person. */
  dispatch(conversationId: string, event: RecoveryEvent): Promise<TurnResult & { reference: Record<string, unknown> | null }> {
    return this.exclusive(conversationId, async (prefetched, release) => {
      const { loaded, actor, sink } = await this.actorFor(conversationId, prefetched);
      const { record, version } = loaded;
      const { says, pending } = sink;
      if (!record || !actor) {
        return { says, locale: 'en' as Locale, state: 'none', path: 'system' as const, from: 'none', idledOut: false, reference: record?.reference ?? null };
      }
      const from = stateName(actor.getSnapshot().value);
      // A nudge is the quiet person's turn: it carries the delivery trouble too.
      const trouble = event.type === 'NUDGE' ? this.deliveryTrouble(actor) : null;
      if (trouble && (await trouble)) actor.send({ type: 'DELIVERY_TROUBLE' });
      // An event the current state does not take (a NUDGE after the code was typed) is dropped, never UNRECOGNIZED.
      if (actor.getSnapshot().status === 'active' && actor.getSnapshot().can(event)) await this.run(actor, event);
      await Promise.all(pending);
      const result = await this.finish(conversationId, actor, sink, version, record.reference, 'system', { from, idledOut: false }, event, release);
      return { ...result, reference: record.reference };
    });
  }

  /**
   * Saves the turn, plans the nudge, keeps the person's turn (`input`) for a handoff and releases the lock, all sent
   * at once: the store runs them in that order on its one connection, so they cost one round trip and the lock
   * still outlives the write. A chart still running stays live for the next turn; a finished one, or one whose
   * write failed, is stopped.
   */
  private async finish(
    conversationId: string,
    actor: RecoveryActor,
    sink: TurnSink,
    version: number,
    reference: Record<string, unknown> | null,
    path: TurnResult['path'],
    origin: Pick<TurnResult, 'from' | 'idledOut' | 'secret'>,
    cause: RecoveryEvent,
    release: () => Promise<void>,
    input?: TurnInput,
  ): Promise<TurnResult> {
    const snapshot = actor.getSnapshot();
    // Persist before stop(): a stopped actor's snapshot would restore as stopped.
    const record = {
      schemaVersion: RECORD_SCHEMA_VERSION,
      chartVersion: RECOVERY_CHART_VERSION,
      snapshot: actor.getPersistedSnapshot(),
      reference,
      updatedAt: this.deps.clock.now(),
    };
    const state = stateName(snapshot.value);
    const saving = this.deps.store.save(conversationId, record, version);
    // The nudge goes out behind the write without waiting for it: if the write loses (a lock that expired under
    // a 30 s turn), the nudge planned is at worst one the chart drops when it comes (dispatch checks can()).
    const planning = this.planNudge(conversationId, state, cause);
    // Like the nudge, kept even if the write loses; the transcript only ever informs an agent.
    const recording = input && this.deps.recordTurn?.(conversationId, input, sink.says, origin.secret === true);
    void release();
    saving.catch(() => undefined);
    planning.catch(() => undefined);
    let stored: StoredRecord;
    try {
      stored = await saving;
      await planning;
      await recording;
    } catch (error) {
      actor.stop();
      throw error;
    }
    if (snapshot.status === 'active') this.keepLive(conversationId, { actor, sink, stored });
    else actor.stop();
    return { says: sink.says, locale: snapshot.context.locale, state, path, ...origin };
  }

  /** Keeps a running chart for the conversation's next turn, as the most recently used; the oldest beyond the limit go. */
  private keepLive(conversationId: string, live: LiveActor): void {
    const limit = this.deps.liveActors ?? LIVE_ACTORS_KEPT;
    this.live.delete(conversationId);
    this.live.set(conversationId, live);
    for (const [id, oldest] of this.live) {
      if (this.live.size <= limit) break;
      this.live.delete(id);
      oldest.actor.stop();
    }
  }

  /** For tests and metrics: how many charts are kept running between turns. */
  liveActorCount(): number {
    return this.live.size;
  }

  /**
   * The one place nudges are decided, under the conversation's lock and right behind its record's write: a turn
   * that leaves a code pending (re)starts the quiet spell; any other turn drops a nudge still scheduled.
   */
  private async planNudge(conversationId: string, state: string, cause: RecoveryEvent): Promise<void> {
    const nudges = this.deps.nudges;
    // The nudge's own turn stays in the state; scheduling again would nudge every quiet spell, forever.
    if (!nudges || cause.type === 'NUDGE') return;
    try {
      if (state === NUDGE_STATE) await nudges.scheduler.schedule(conversationId, this.deps.clock.now() + nudges.afterMs);
      else await nudges.scheduler.cancel(conversationId);
    } catch (error) {
      // A nudge is a courtesy: failing to plan one must not fail a turn that is already saved.
      if (!(error instanceof StoreUnavailableError)) throw error;
    }
  }
}

export type { RecoveryEmitted };
