// Runs one turn of a conversation: restore the chart from its stored snapshot, move the clock, turn the
// person's input into one event, let invoked services settle, collect what the chart said, save.
// Turns of one conversation run one at a time in this process; the store's versioned write catches the rest.
import { createActor, fromPromise, waitFor, type Snapshot } from 'xstate';
import { RECOVERY_CHART_VERSION, recoveryMachine } from '../../machines/recovery.machine.js';
import type {
  HandoffInput,
  Locale,
  RecoveryEmitted,
  RecoveryEvent,
  SayEvent,
} from '../../machines/recovery.types.js';
import type { Clock } from '../clock.js';
import type { ResetService } from '../services/reset-service.js';
import { StoreUnavailableError } from '../stores/kv-store.js';
import type { VerificationService } from '../services/verification-service.js';
import { RECORD_SCHEMA_VERSION, type ConversationStore } from './conversation-store.js';
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
}

export interface EngineDeps {
  store: ConversationStore;
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
  /** How long invoked services may take before the turn fails (the person gets the turn-error apology). */
  settleTimeoutMs?: number;
}

type RecoveryActor = ReturnType<typeof createActor<typeof recoveryMachine>>;

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

  constructor(private readonly deps: EngineDeps) {
    const { verification, reset } = deps;
    this.machine = recoveryMachine.provide({
      actors: {
        lookupAccount: fromPromise(({ input }) => verification.lookup(input)),
        sendCode: fromPromise(({ input }) => verification.sendCode(input)),
        verifyCode: fromPromise(({ input }) => verification.verifyCode(input)),
        verifySecondFactor: fromPromise(({ input }) => verification.verifySecondFactor(input)),
        issueResetLink: fromPromise(({ input }) => reset.issueLink(input)),
      },
    });
  }

  /** Serialises work per conversation: in this process by a queue, across instances by the store's lock. */
  private exclusive<T>(conversationId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(conversationId) ?? Promise.resolve();
    const locked = () => this.deps.locks.run(conversationId, work);
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
    actor.send(event);
    await waitFor(actor, (s) => s.status !== 'active' || Object.keys(s.children).length === 0, {
      timeout: this.deps.settleTimeoutMs ?? 15_000,
    });
  }

  /** One turn from the person. `reference` is kept so the bot can write back later (reset confirmation). */
  handleTurn(conversationId: string, input: TurnInput, reference: Record<string, unknown> | null): Promise<TurnResult> {
    return this.exclusive(conversationId, async () => {
      const { record, version, unreadable } = await this.deps.store.load(conversationId);
      const says: SayEvent[] = [];
      const pending: Promise<unknown>[] = [];
      reference ??= record?.reference ?? null;

      // Restore the conversation; a record that cannot be trusted (another chart version, corrupt) restarts it.
      let actor = record ? this.restore(conversationId, record.snapshot, record.chartVersion, says, pending) : null;
      const restarted = unreadable === true || (record !== null && actor === null);
      const previousLocale: Locale | null = actor ? actor.getSnapshot().context.locale : null;
      const from = actor ? stateName(actor.getSnapshot().value) : 'none';
      const wasActive = actor?.getSnapshot().status === 'active';
      if (actor?.getSnapshot().status === 'active') actor.send({ type: 'TICK', at: this.deps.clock.now() });
      const idledOut = wasActive && actor?.getSnapshot().status !== 'active';
      // A finished (or just timed-out) conversation: this message starts a new one in the same language.
      if (actor && actor.getSnapshot().status !== 'active') actor = null;

      // A person (an agent) has the chat: the message is theirs, and neither the parser nor the chart reads it.
      const relayed = actor && this.deps.relay ? await this.deps.relay(conversationId, input, stateName(actor.getSnapshot().value)) : null;
      if (actor && relayed) {
        says.push(...relayed);
        return this.finish(conversationId, actor, version, reference, says, 'system', { from, idledOut }, { type: 'TICK', at: this.deps.clock.now() });
      }

      const parsed = await this.deps.parser.parse(input, actor ? expectationOf(actor) : 'intent');
      if (!actor) {
        // The text's language counts only when the text was understood: "asdf" says nothing about it.
        const understood = parsed.event.type !== 'UNRECOGNIZED' ? parsed.language : null;
        actor = this.start(conversationId, previousLocale ?? understood ?? localeFrom(input.locale));
        // Listening after start(): a new conversation's opening prompt stays unsaid; the first message decides.
        actor.start();
        this.listen(actor, says, pending);
        if (restarted) says.push({ type: 'say', key: 'conversation_restarted' });
        actor.send({ type: 'TICK', at: this.deps.clock.now() });
      } else if (shouldFollowLanguage(parsed, input.text, actor.getSnapshot().context.locale)) {
        actor.send({ type: 'ADOPT_LANGUAGE', locale: parsed.language! });
      }
      const event = input.greet ? ({ type: 'GREET' } as const) : parsed.event;
      await this.run(actor, actor.getSnapshot().can(event) ? event : { type: 'UNRECOGNIZED' });
      await Promise.all(pending);
      return this.finish(conversationId, actor, version, reference, says, input.greet ? 'system' : parsed.path, { from, idledOut }, event);
    });
  }

  /**
   * A stored snapshot as a started actor, or null when it cannot be trusted: written by another chart version,
   * or not a snapshot of this chart at all. Never throws, and never lets xstate throw later.
   */
  private restore(
    conversationId: string,
    snapshot: unknown,
    chartVersion: number,
    says: SayEvent[],
    pending: Promise<unknown>[],
  ): RecoveryActor | null {
    if (chartVersion !== RECOVERY_CHART_VERSION) return null;
    let actor: RecoveryActor | null = null;
    try {
      actor = this.listen(this.start(conversationId, 'en', snapshot as Snapshot<unknown>), says, pending);
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

  /** Collects what the chart says and carries out what it asks for (handoff, forgetting proofs). */
  private listen(actor: RecoveryActor, says: SayEvent[], pending: Promise<unknown>[]): RecoveryActor {
    actor.on('say', (e) => says.push(e));
    actor.on('handoff', (e) => void this.deps.onHandoff(e.input));
    actor.on('forget', (e) => {
      pending.push(this.deps.verification.forget(e.conversationId), this.deps.reset.revoke(e.conversationId));
    });
    return actor;
  }

  /** An event from outside the chat (the reset page, the handoff desk); returns what to tell the person. */
  dispatch(conversationId: string, event: RecoveryEvent): Promise<TurnResult & { reference: Record<string, unknown> | null }> {
    return this.exclusive(conversationId, async () => {
      const { record, version } = await this.deps.store.load(conversationId);
      const says: SayEvent[] = [];
      const pending: Promise<unknown>[] = [];
      const actor = record ? this.restore(conversationId, record.snapshot, record.chartVersion, says, pending) : null;
      if (!record || !actor) {
        return { says, locale: 'en' as Locale, state: 'none', path: 'system' as const, from: 'none', idledOut: false, reference: record?.reference ?? null };
      }
      const from = stateName(actor.getSnapshot().value);
      // An event the current state does not take (a NUDGE after the code was typed) is dropped, never UNRECOGNIZED.
      if (actor.getSnapshot().status === 'active' && actor.getSnapshot().can(event)) await this.run(actor, event);
      await Promise.all(pending);
      const result = await this.finish(conversationId, actor, version, record.reference, says, 'system', { from, idledOut: false }, event);
      return { ...result, reference: record.reference };
    });
  }

  private async finish(
    conversationId: string,
    actor: RecoveryActor,
    version: number,
    reference: Record<string, unknown> | null,
    says: SayEvent[],
    path: TurnResult['path'],
    origin: Pick<TurnResult, 'from' | 'idledOut'>,
    cause: RecoveryEvent,
  ): Promise<TurnResult> {
    const snapshot = actor.getSnapshot();
    // Persist before stop(): a stopped actor's snapshot would restore as stopped.
    const persisted = actor.getPersistedSnapshot();
    actor.stop();
    await this.deps.store.save(
      conversationId,
      {
        schemaVersion: RECORD_SCHEMA_VERSION,
        chartVersion: RECOVERY_CHART_VERSION,
        snapshot: persisted,
        reference,
        updatedAt: this.deps.clock.now(),
      },
      version,
    );
    const state = stateName(snapshot.value);
    await this.planNudge(conversationId, state, cause);
    return { says, locale: snapshot.context.locale, state, path, ...origin };
  }

  /**
   * The one place nudges are decided, under the conversation's lock and after its record is saved: a turn
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
