// The handoff desk's logic: opens a handoff when the chart asks for one (packet, line, protocol event or an
// after-hours ticket), relays the person's messages to the agent while an agent has the chat, carries out
// what agents do in the console, and answers the Bot Framework's handoff.status events.
//
// Relay across instances: everything goes through the store (desk.ts). The person's words are appended to
// the handoff's log by the instance that served their turn; what the agent does is appended by the agent's
// instance and carried out by the instance that served the person's last turn (it holds the channel: the
// built-in Direct Line only reaches browsers connected to it), or by any instance when that one is gone.
// Each instance polls the desk every `pollMs` (a handful of small reads); an action on the same instance is
// carried out at once. Polling was chosen over Redis pub/sub: it needs no second connection per instance,
// works the same on the in-memory store, and a missed message is impossible because the log is the source.
import { randomUUID } from 'node:crypto';
import { EventFactory, HandoffEventNames, TurnContext, type Activity, type Transcript } from 'botbuilder';
import type { Channel, HandoffInput, Locale, RecoveryEvent, SayEvent } from '../../machines/recovery.types.js';
import type { Clock } from '../clock.js';
import type { TurnInput, TurnResult } from '../conversation/engine.js';
import type { Logger } from '../logger.js';
import type { AccountDirectory, DirectoryActivity } from '../services/account-directory.js';
import type { AuditLog } from '../services/audit-log.js';
import type { DeliveryQueue } from '../services/notifier.js';
import type { ResetService } from '../services/reset-service.js';
import { keys as verificationKeys, VERIFICATION_TTL_MS, type VerificationRecord, type VerificationService } from '../services/verification-service.js';
import type { KeyValueStore } from '../stores/kv-store.js';
import { describeHours, isOpen, type BusinessHours } from './business-hours.js';
import { HandoffDesk, INSTRUCTION_KINDS, type DeskEntry, type HandoffCase, type LogEntry } from './desk.js';
import { activityResult, buildPacket, transcriptActivities, type HandoffPacket, type KeyReader } from './packet.js';
import { ownerIdentificationLine, ticketMessage } from './ticket.js';
import { redactForAgent, type TranscriptRecorder } from './transcript.js';
import { estimateWaitMs, queueStatusSay } from './wait-estimate.js';

export type HandoffMode = 'console' | 'protocol' | 'both';

/** How the desk reaches the person outside a turn. Built by the composition root from the adapter and renderer. */
export interface PersonChannel {
  /** Catalog messages, rendered for the conversation's channel and sent proactively. */
  say(reference: Record<string, unknown>, says: SayEvent[], locale: Locale): Promise<void>;
  /** Raw activities (the protocol's handoff.initiate) to the conversation's channel. */
  send(reference: Record<string, unknown>, activities: Partial<Activity>[]): Promise<void>;
  /** Catalog messages rendered for a channel, for replies inside a turn. */
  render(says: SayEvent[], locale: Locale, channelId: string | undefined): Partial<Activity>[];
}

export interface DispatchResult {
  says: SayEvent[];
  locale: Locale;
  state: string;
  from: string;
  reference: Record<string, unknown> | null;
}

export interface HandoffServiceDeps {
  mode: HandoffMode;
  /** The built-in console has agents who can sign in (config.handoff.agents is not empty). */
  consoleEnabled: boolean;
  store: KeyValueStore;
  clock: Clock;
  audit: AuditLog;
  logger: Logger;
  transcript: TranscriptRecorder;
  verification: VerificationService;
  reset: ResetService;
  directory: AccountDirectory;
  delivery: DeliveryQueue;
  brand: string;
  hours: BusinessHours | null;
  supportInbox: string | undefined;
  person: PersonChannel;
  /** The engine's dispatch: an event from outside the chat, and what to tell the person. */
  dispatch: (conversationId: string, event: RecoveryEvent) => Promise<DispatchResult>;
  readKey: KeyReader;
  /** How long handoff records live. */
  ttlMs: number;
  /** How often this instance looks for agent actions to carry out. */
  pollMs?: number;
  /** The built-in web channel's connector: the protocol's packet must never reach a browser. */
  isBuiltInWebChannel?: (serviceUrl: string) => boolean;
}

export type AgentActionError =
  | 'not_found'
  | 'not_yours'
  | 'already_taken'
  | 'gone'
  | 'not_verified'
  | 'no_account'
  | 'log_full'
  | 'invalid';
export type AgentActionResult = { ok: true } | { ok: false; error: AgentActionError };

/** The desk as one agent sees it: the line, and the conversations they have. */
export interface AgentView {
  now: number;
  estimateMs: number | null;
  queue: (Pick<DeskEntry, 'conversationId' | 'handoffId' | 'locale' | 'reason' | 'enqueuedAt'> & { position: number })[];
  mine: Pick<DeskEntry, 'conversationId' | 'handoffId' | 'locale' | 'reason' | 'enqueuedAt' | 'assignedAt'>[];
}

export interface CaseView {
  handoffId: string;
  packet: HandoffPacket;
  assignee: string | null;
  agentVerified: { agent: string; at: number } | null;
  /** The copy behind every message key in the transcript, in the conversation's language. */
  botTexts: Record<string, string>;
}

/** Buttons that still go to the chart while an agent has the chat: leaving, starting over, the language. */
const CHOICES_FOR_THE_CHART = new Set(['cancel', 'start_over', 'language_es', 'language_en']);
const HEARTBEAT_TTL_MS = 15_000;
const MAX_AGENT_TEXT = 2000;

type AgentVerificationRecord = VerificationRecord & { verifiedByAgent: string };

export class HandoffService {
  private readonly desk: HandoffDesk;
  readonly instanceId = randomUUID();
  /** Handoffs the chart asked for during a turn, opened once the turn's replies are out. */
  private readonly requested = new Map<string, HandoffInput>();
  private timer: NodeJS.Timeout | null = null;
  private pumping: Promise<void> | null = null;
  private pumpAgain = false;
  private stopped = false;

  constructor(private readonly deps: HandoffServiceDeps) {
    this.desk = new HandoffDesk(deps.store, deps.clock, deps.ttlMs);
  }

  private get now(): number {
    return this.deps.clock.now();
  }

  // ---- The engine's and the bot's hooks ------------------------------------------------------------

  /** The chart asked for a person (engine onHandoff); the desk opens it after the turn (afterTurn). */
  requestedByChart(input: HandoffInput): void {
    this.requested.set(input.conversationId, input);
  }

  /**
   * The engine's hook before it parses the person's input: while an agent has the chat, the message goes to
   * the agent instead of the chart. Returns what the bot says (usually nothing), or null to run the chart.
   */
  async relay(conversationId: string, input: TurnInput, state: string): Promise<SayEvent[] | null> {
    if (state !== 'handoff') return null;
    const assigned = await this.desk.assignee(conversationId);
    if (!assigned) return null;
    const choice = (input.value as { choice?: unknown } | undefined)?.choice;
    if (typeof choice === 'string' && CHOICES_FOR_THE_CHART.has(choice)) return null;
    await this.desk.setOwner(conversationId, this.instanceId);
    const text = typeof input.text === 'string' ? input.text.trim() : '';
    if (input.greet || !text) return [];
    const redacted = redactForAgent(text);
    if (redacted === null) {
      await this.desk.append(conversationId, assigned.handoffId, { at: this.now, kind: 'person_withheld' });
      return [{ type: 'say', key: 'password_in_chat' }];
    }
    await this.desk.append(conversationId, assigned.handoffId, { at: this.now, kind: 'person_message', text: redacted });
    return [];
  }

  /**
   * The engine's hook (`recordTurn`) that keeps the turn in the transcript, sent with the conversation's own write
   * so it costs no round trip of its own. Never rejects: a transcript missing a turn must not fail the turn.
   */
  async recordTurn(conversationId: string, input: TurnInput, says: SayEvent[], secret: boolean): Promise<void> {
    try {
      await this.deps.transcript.record(conversationId, input, says, secret);
    } catch (error) {
      this.deps.logger.warn({ err: (error as Error).message, conversation: conversationId }, 'handoff desk could not keep the turn');
    }
  }

  /**
   * The bot's hook after the engine's turn, before the replies go out (the transcript already has the turn, from
   * recordTurn): opens or closes handoffs, and returns what the desk adds to the reply (the place in line, a
   * filed ticket).
   */
  async afterTurn(context: TurnContext, turn: { conversationId: string; input: TurnInput; result: TurnResult }): Promise<SayEvent[]> {
    const { conversationId, result } = turn;
    try {
      const requested = this.requested.get(conversationId);
      this.requested.delete(conversationId);
      if (requested && result.state === 'handoff') return await this.open(requested, context);
      if (result.from === 'handoff' && result.state !== 'handoff') {
        await this.finish(conversationId, 'person_left', { note: 'person_left' });
      } else if (result.state === 'handoff' && result.says.some((s) => s.key === 'handoff_waiting')) {
        const status = await this.queueStatus(conversationId);
        if (status) return [status];
      }
    } catch (error) {
      this.deps.logger.warn({ err: (error as Error).message, conversation: conversationId }, 'handoff desk could not follow the turn');
    }
    return [];
  }

  /** After an event from outside the chat (the reset page): a finished handoff leaves the desk. */
  async afterDispatch(conversationId: string, result: Pick<DispatchResult, 'from' | 'state'>): Promise<void> {
    if (result.from === 'handoff' && result.state !== 'handoff') {
      await this.finish(conversationId, result.state === 'done' ? 'reset_completed' : 'returned', {});
    }
  }

  /**
   * Bot Framework handoff.status events from an agent hub (HANDOFF_MODE protocol or both): accepted, failed,
   * completed. True when the activity was a handoff event (handled or ignored), so the bot does nothing else.
   */
  async onHandoffEvent(context: TurnContext): Promise<boolean> {
    const activity = context.activity;
    if (activity.type !== 'event' || (activity.name !== HandoffEventNames.HandoffStatus && activity.name !== HandoffEventNames.InitiateHandoff)) {
      return false;
    }
    // The initiate event is ours to send, never to receive; a status only counts where a hub is configured.
    if (activity.name !== HandoffEventNames.HandoffStatus || this.deps.mode === 'console') return true;
    const conversationId = activity.conversation?.id;
    const state = (activity.value as { state?: unknown } | undefined)?.state;
    if (!conversationId) return true;
    const handoffCase = await this.desk.caseOf(conversationId);
    const channelId = activity.channelId;
    if (state === 'accepted' && handoffCase) {
      this.deps.audit.record({ event: 'handoff_accepted', conversationId, accountId: handoffCase?.packet.accountId ?? null, channel: channelId, agent: 'hub', outcome: 'accepted' });
      const locale = handoffCase?.locale ?? (activity.locale?.toLowerCase().startsWith('es') ? 'es' : 'en');
      await context.sendActivities(this.deps.person.render([{ type: 'say', key: 'handoff_accepted' }], locale, channelId));
    } else if (state === 'failed' || state === 'completed') {
      const result = await this.deps.dispatch(conversationId, { type: state === 'failed' ? 'HANDOFF_FAILED' : 'HANDOFF_ENDED' });
      if (result.says.length) await context.sendActivities(this.deps.person.render(result.says, result.locale, channelId));
      if (result.from !== 'handoff') return true;
      // A failed hub leaves the console's line alone (HANDOFF_MODE both): a person there may still answer.
      const ended = state === 'completed' && (await this.finish(conversationId, 'hub_completed', { agent: 'hub' }));
      // Without the console the handoff was never on the desk; it is audited here instead.
      if (!ended) {
        this.deps.audit.record({ event: 'handoff_ended', conversationId, accountId: handoffCase?.packet.accountId ?? null, channel: channelId, agent: 'hub', outcome: `hub_${state}` });
      }
    }
    return true;
  }

  // ---- Opening a handoff ------------------------------------------------------------------------------

  private async accountIdOf(input: HandoffInput): Promise<string | null> {
    const verified = await this.deps.verification.verificationOf(input.conversationId);
    if (verified) return verified.accountId;
    if (!input.subject) return null;
    return (await this.deps.verification.accountFor(input.subject))?.id ?? null;
  }

  private async activityOf(accountId: string | null): Promise<DirectoryActivity | null | 'unavailable'> {
    const { directory } = this.deps;
    if (!accountId || !directory.recentActivity) return null;
    try {
      return await directory.recentActivity(accountId);
    } catch (error) {
      this.deps.logger.warn({ err: (error as Error).message }, 'recent activity unavailable for a handoff');
      return 'unavailable';
    }
  }

  private async open(input: HandoffInput, context: TurnContext): Promise<SayEvent[]> {
    const { conversationId } = input;
    const reference = TurnContext.getConversationReference(context.activity) as Record<string, unknown>;
    const channelId = context.activity.channelId ?? null;
    const now = this.now;
    const accountId = await this.accountIdOf(input);
    const verification = await this.deps.verification.verificationOf(conversationId);
    const packet = buildPacket({
      input,
      channelId,
      now,
      accountId,
      activity: activityResult(accountId, await this.activityOf(accountId)),
      transcript: await this.deps.transcript.read(conversationId),
      secondFactorRequired: verification ? verification.secondFactorRequired : null,
    });
    this.deps.audit.record({ event: 'handoff', conversationId, accountId, channel: channelId ?? undefined, outcome: input.reason });
    const handoffCase: HandoffCase = {
      handoffId: randomUUID(),
      conversationId,
      packet,
      subject: input.subject,
      codeChannel: input.channel,
      locale: input.locale,
      reference,
      agentVerified: null,
      ...(verification?.recoveryCodeUsed ? { recoveryCodeUsed: true } : {}),
    };

    if (!isOpen(this.deps.hours, now)) return this.fileTicket(handoffCase);
    if (this.deps.mode !== 'console') await this.initiateProtocol(context, reference, packet);
    if (!this.deps.consoleEnabled) {
      await this.desk.saveCase(handoffCase);
      return [];
    }

    await this.desk.open(handoffCase, {
      conversationId,
      handoffId: handoffCase.handoffId,
      locale: input.locale,
      reason: input.reason,
      enqueuedAt: now,
      agent: null,
      assignedAt: null,
    });
    await this.desk.setOwner(conversationId, this.instanceId);
    const status = await this.queueStatus(conversationId);
    return status ? [status] : [];
  }

  /** handoff.initiate with the packet and the redacted transcript, built by botbuilder's own EventFactory. */
  private async initiateProtocol(context: TurnContext, reference: Record<string, unknown>, packet: HandoffPacket): Promise<void> {
    const serviceUrl = String(reference.serviceUrl ?? '');
    if (this.deps.isBuiltInWebChannel?.(serviceUrl)) {
      // The built-in widget has no agent hub: the event would land in the person's browser.
      this.deps.logger.warn({ conversation: packet.conversationId }, 'handoff.initiate not sent: the built-in web channel has no agent hub');
      return;
    }
    const transcript = transcriptActivities(packet, this.deps.readKey, ownerIdentificationLine) as unknown as Transcript;
    const initiate = EventFactory.createHandoffInitiation(context, packet, transcript);
    try {
      await this.deps.person.send(reference, [initiate]);
    } catch (error) {
      // The hub is unreachable: with HANDOFF_MODE both the console's line still works, so this is not fatal.
      this.deps.logger.warn({ err: (error as Error).message, conversation: packet.conversationId }, 'handoff.initiate could not be sent');
    }
  }

  /** Outside business hours: the packet goes to SUPPORT_INBOX, and the person hears so instead of waiting. */
  private async fileTicket(handoffCase: HandoffCase): Promise<SayEvent[]> {
    const { packet, conversationId } = handoffCase;
    const hours = this.deps.hours;
    if (this.deps.supportInbox) {
      this.deps.delivery.enqueue(ticketMessage(packet, { to: this.deps.supportInbox, brand: this.deps.brand, read: this.deps.readKey }));
    }
    await this.desk.saveCase(handoffCase);
    this.deps.audit.record({ event: 'handoff_ticket_filed', conversationId, accountId: packet.accountId, channel: packet.channelId ?? undefined, outcome: this.deps.supportInbox ? 'queued' : 'no_inbox' });
    const result = await this.deps.dispatch(conversationId, { type: 'HANDOFF_DEFERRED' });
    const afterHours: SayEvent[] = hours ? [{ type: 'say', key: 'handoff_after_hours', params: { hours: describeHours(hours, result.locale) } }] : [];
    return [...afterHours, ...result.says];
  }

  /** Place in line and the honest estimate; null when the conversation is not waiting. */
  async queueStatus(conversationId: string): Promise<SayEvent | null> {
    const position = await this.desk.positionOf(conversationId);
    if (position === null) return null;
    return queueStatusSay(position, estimateWaitMs(await this.desk.waitSamples(), this.now));
  }

  // ---- What agents do (the console) ------------------------------------------------------------------

  async view(agent: string): Promise<AgentView> {
    const entries = await this.desk.entries();
    const waiting = entries.filter((e) => e.agent === null);
    return {
      now: this.now,
      estimateMs: estimateWaitMs(await this.desk.waitSamples(), this.now),
      queue: waiting.map((e, i) => ({ conversationId: e.conversationId, handoffId: e.handoffId, locale: e.locale, reason: e.reason, enqueuedAt: e.enqueuedAt, position: i + 1 })),
      mine: entries
        .filter((e) => e.agent === agent)
        .map((e) => ({ conversationId: e.conversationId, handoffId: e.handoffId, locale: e.locale, reason: e.reason, enqueuedAt: e.enqueuedAt, assignedAt: e.assignedAt })),
    };
  }

  /** The case of a conversation that is waiting, or that this agent has. */
  async caseFor(conversationId: string, agent: string): Promise<CaseView | null> {
    const entry = await this.desk.entry(conversationId);
    if (!entry || (entry.agent !== null && entry.agent !== agent)) return null;
    const handoffCase = await this.desk.caseOf(conversationId);
    if (!handoffCase || handoffCase.handoffId !== entry.handoffId) return null;
    const { packet } = handoffCase;
    const keys = new Set(packet.transcript.flatMap((turn) => [
      ...turn.bot,
      ...(turn.person && 'choice' in turn.person ? [`choice_${turn.person.choice}`] : []),
    ]));
    return {
      handoffId: handoffCase.handoffId,
      packet,
      assignee: entry.agent,
      agentVerified: handoffCase.agentVerified,
      botTexts: Object.fromEntries([...keys].map((key) => [key, this.deps.readKey(packet.language, key)])),
    };
  }

  /** The chat log of a handoff this agent has (or had): what the person and the agent said, and what happened. */
  async logFor(conversationId: string, agent: string, handoffId: string): Promise<LogEntry[] | null> {
    const handoffCase = await this.desk.caseOf(conversationId);
    const log = await this.desk.log(conversationId);
    if (!handoffCase || !log || log.handoffId !== handoffId || handoffCase.handoffId !== handoffId) return null;
    const joined = log.entries.find((e): e is Extract<LogEntry, { kind: 'agent_joined' }> => e.kind === 'agent_joined');
    return joined?.agent === agent ? log.entries : null;
  }

  /** Two agents taking the same conversation at once: exactly one gets it (desk.take). */
  async take(conversationId: string, agent: string): Promise<AgentActionResult> {
    const outcome = await this.desk.take(conversationId, agent);
    if (outcome !== 'taken') return { ok: false, error: outcome };
    const entry = await this.desk.entry(conversationId);
    const handoffCase = await this.desk.caseOf(conversationId);
    if (!entry || !handoffCase) return { ok: false, error: 'gone' };
    await this.desk.append(conversationId, entry.handoffId, { at: this.now, kind: 'agent_joined', agent });
    this.deps.audit.record({ event: 'handoff_accepted', conversationId, accountId: handoffCase.packet.accountId, channel: handoffCase.packet.channelId ?? undefined, agent, outcome: 'accepted' });
    this.kick();
    return { ok: true };
  }

  /** The agent's own conversation, or why not. */
  private async mine(conversationId: string, agent: string): Promise<{ entry: DeskEntry; handoffCase: HandoffCase } | AgentActionError> {
    const entry = await this.desk.entry(conversationId);
    if (!entry) return 'not_found';
    if (entry.agent !== agent) return 'not_yours';
    const handoffCase = await this.desk.caseOf(conversationId);
    if (!handoffCase || handoffCase.handoffId !== entry.handoffId) return 'gone';
    return { entry, handoffCase };
  }

  private async instruct(conversationId: string, handoffId: string, entry: LogEntry): Promise<AgentActionResult> {
    const index = await this.desk.append(conversationId, handoffId, entry);
    if (index === null) return { ok: false, error: 'log_full' };
    this.kick();
    return { ok: true };
  }

  async sendMessage(conversationId: string, agent: string, text: string): Promise<AgentActionResult> {
    const trimmed = text.trim();
    if (!trimmed || trimmed.length > MAX_AGENT_TEXT) return { ok: false, error: 'invalid' };
    const mine = await this.mine(conversationId, agent);
    if (typeof mine === 'string') return { ok: false, error: mine };
    return this.instruct(conversationId, mine.entry.handoffId, { at: this.now, kind: 'agent_message', agent, text: trimmed });
  }

  /**
   * The agent vouches that they checked who the person is. It writes the conversation's verification record
   * (what the reset service requires before it mints a link), marked with the agent's name, and audits it.
   * The agent's check stands in for every factor, second factor included: that is what a person is for when
   * the authenticator is lost. The owner checks in the packet (matched or not) only inform this decision; a
   * match alone never writes the record (SECURITY.md 17).
   */
  async agentVerify(conversationId: string, agent: string): Promise<AgentActionResult> {
    const mine = await this.mine(conversationId, agent);
    if (typeof mine === 'string') return { ok: false, error: mine };
    const { handoffCase, entry } = mine;
    const accountId = handoffCase.packet.accountId;
    if (!accountId || !handoffCase.subject) return { ok: false, error: 'no_account' };
    const record: AgentVerificationRecord = {
      subject: handoffCase.subject,
      accountId,
      codeVerifiedAt: this.now,
      secondFactorRequired: false,
      secondFactorVerifiedAt: null,
      // It replaces the conversation's record, but a recovery code spent before the handoff is still owed its
      // fresh one after the reset (SECURITY.md 14); the case remembers it, the record may have expired.
      ...(handoffCase.recoveryCodeUsed ? { recoveryCodeUsed: true } : {}),
      verifiedByAgent: agent,
    };
    await this.deps.store.set(verificationKeys.verification(conversationId), JSON.stringify(record), VERIFICATION_TTL_MS);
    await this.desk.markAgentVerified(conversationId, agent);
    this.deps.audit.record({ event: 'agent_verified', conversationId, accountId, channel: handoffCase.packet.channelId ?? undefined, agent, outcome: 'ok' });
    return this.instruct(conversationId, entry.handoffId, { at: this.now, kind: 'agent_verified', agent });
  }

  private async verifiedCase(conversationId: string, agent: string): Promise<{ entry: DeskEntry; handoffCase: HandoffCase } | AgentActionError> {
    const mine = await this.mine(conversationId, agent);
    if (typeof mine === 'string') return mine;
    if (!mine.handoffCase.packet.accountId || !mine.handoffCase.subject) return 'no_account';
    if (!mine.handoffCase.agentVerified) return 'not_verified';
    return mine;
  }

  async sendResetLink(conversationId: string, agent: string): Promise<AgentActionResult> {
    const mine = await this.verifiedCase(conversationId, agent);
    if (typeof mine === 'string') return { ok: false, error: mine };
    return this.instruct(conversationId, mine.entry.handoffId, { at: this.now, kind: 'reset_link', agent });
  }

  async sendFreshCode(conversationId: string, agent: string, channel: Channel): Promise<AgentActionResult> {
    const mine = await this.verifiedCase(conversationId, agent);
    if (typeof mine === 'string') return { ok: false, error: mine };
    return this.instruct(conversationId, mine.entry.handoffId, { at: this.now, kind: 'fresh_code', agent, channel });
  }

  /** The agent ends the handoff: the person goes back to the assistant (HANDOFF_ENDED). */
  async end(conversationId: string, agent: string, outcome: 'returned' | 'resolved'): Promise<AgentActionResult> {
    const mine = await this.mine(conversationId, agent);
    if (typeof mine === 'string') return { ok: false, error: mine };
    return this.instruct(conversationId, mine.entry.handoffId, { at: this.now, kind: 'ended', agent, outcome });
  }

  /** Any agent may take a waiting conversation out of the line (the person went quiet, or it is not for us). */
  async dismiss(conversationId: string, agent: string): Promise<AgentActionResult> {
    const entry = await this.desk.entry(conversationId);
    if (!entry) return { ok: false, error: 'not_found' };
    if (entry.agent !== null) return { ok: false, error: 'already_taken' };
    return this.instruct(conversationId, entry.handoffId, { at: this.now, kind: 'ended', agent, outcome: 'resolved' });
  }

  // ---- Carrying out what agents did, on the person's instance ----------------------------------------

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.kick(), this.deps.pollMs ?? 500);
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.idle();
  }

  /** Looks for work now; a call while a round runs asks for one more round after it. */
  kick(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = (async () => {
      do {
        this.pumpAgain = false;
        try {
          await this.pumpOnce();
        } catch (error) {
          this.deps.logger.warn({ err: (error as Error).message }, 'handoff desk round failed');
        }
      } while (this.pumpAgain && !this.stopped);
    })().finally(() => {
      this.pumping = null;
    });
  }

  /** Resolves once the current round (if any) is over: for tests and shutdown. */
  async idle(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  private async owns(conversationId: string): Promise<boolean> {
    const owner = await this.desk.owner(conversationId);
    return owner === null || owner === this.instanceId || !(await this.desk.isAlive(owner));
  }

  private async pumpOnce(): Promise<void> {
    await this.desk.heartbeat(this.instanceId, HEARTBEAT_TTL_MS);
    for (const entry of await this.desk.entries()) {
      if (!(await this.owns(entry.conversationId))) continue;
      const claimed = await this.desk.claimUndelivered(entry.conversationId);
      for (const item of claimed) {
        if (!INSTRUCTION_KINDS.has(item.kind)) continue;
        try {
          await this.carryOut(entry, item);
        } catch (error) {
          this.deps.logger.warn({ err: (error as Error).message, conversation: entry.conversationId, kind: item.kind }, 'handoff action failed');
        }
      }
    }
  }

  private async carryOut(entry: DeskEntry, item: LogEntry): Promise<void> {
    const { conversationId, handoffId } = entry;
    const handoffCase = await this.desk.caseOf(conversationId);
    if (!handoffCase || handoffCase.handoffId !== handoffId) return;
    const { reference, locale } = handoffCase;
    const note = (e: LogEntry) => this.desk.append(conversationId, handoffId, e);
    switch (item.kind) {
      case 'agent_joined':
        return this.deps.person.say(reference, [{ type: 'say', key: 'handoff_agent_joined', params: { agent: item.agent } }], locale);
      case 'agent_message':
        return this.deps.person.say(reference, [{ type: 'say', key: 'handoff_agent_message', params: { agent: item.agent, text: item.text } }], locale);
      case 'reset_link': {
        try {
          // Minted here and handed straight to the person: the link never touches the log or the store.
          const link = await this.deps.reset.issueLink({ conversationId, subject: handoffCase.subject ?? '', locale });
          await this.deps.person.say(reference, [{ type: 'say', key: 'reset_link', params: { url: link.url, minutes: link.validMinutes } }], locale);
          await note({ at: this.now, kind: 'reset_link_sent' });
        } catch (error) {
          this.deps.logger.warn({ err: (error as Error).message, conversation: conversationId }, 'agent reset link refused');
          await note({ at: this.now, kind: 'reset_link_failed' });
        }
        return;
      }
      case 'fresh_code': {
        let locked: boolean;
        try {
          ({ locked } = await this.deps.verification.sendCode({ conversationId, subject: handoffCase.subject ?? '', channel: item.channel, locale }));
        } catch (error) {
          this.deps.logger.warn({ err: (error as Error).message, conversation: conversationId }, 'agent fresh code failed');
          await note({ at: this.now, kind: 'fresh_code_failed', reason: 'error' });
          return;
        }
        if (locked) {
          await note({ at: this.now, kind: 'fresh_code_failed', reason: 'locked' });
          return;
        }
        const result = await this.deps.dispatch(conversationId, { type: 'CODE_SENT_BY_AGENT', channel: item.channel });
        await this.deps.person.say(reference, result.says, result.locale);
        await this.finish(conversationId, 'code_sent', { agent: item.agent });
        return;
      }
      case 'ended': {
        const result = await this.deps.dispatch(conversationId, { type: 'HANDOFF_ENDED' });
        await this.deps.person.say(reference, result.says, result.locale);
        await this.finish(conversationId, entry.agent === null ? 'dismissed' : item.outcome, { agent: item.agent });
        return;
      }
      default:
        return;
    }
  }

  /** The handoff is over: a last line in its log, off the desk, audited. */
  private async finish(conversationId: string, outcome: string, options: { agent?: string; note?: 'person_left' }): Promise<boolean> {
    const entry = await this.desk.entry(conversationId);
    if (!entry) return false;
    const handoffCase = await this.desk.caseOf(conversationId);
    if (options.note) await this.desk.append(conversationId, entry.handoffId, { at: this.now, kind: options.note });
    await this.desk.append(conversationId, entry.handoffId, { at: this.now, kind: 'closed', outcome });
    await this.desk.remove(conversationId);
    this.deps.audit.record({
      event: 'handoff_ended',
      conversationId,
      accountId: handoffCase?.packet.accountId ?? null,
      channel: handoffCase?.packet.channelId ?? undefined,
      agent: options.agent ?? entry.agent ?? undefined,
      outcome,
    });
    return true;
  }
}
