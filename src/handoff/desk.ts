// The support desk's shared state, all of it in the KeyValueStore so every instance sees the same desk:
// the line of people waiting, who took which conversation, each handoff's case file, and each handoff's
// chat log. The log is the relay: the person's instance appends what they write and delivers what the
// agent writes; the agent's instance does the opposite. Taking a conversation is one setIfAbsent, so when
// two agents click at once exactly one of them gets it.
import type { Channel, HandoffReason, Locale } from '../../machines/recovery.types.js';
import type { Clock } from '../clock.js';
import type { KeyValueStore } from '../stores/kv-store.js';
import { readDoc, updateDoc } from './json-doc.js';
import type { HandoffPacket } from './packet.js';
import { addWaitSample, type WaitSample } from './wait-estimate.js';

/** One conversation on the desk: waiting in line (agent null) or with an agent. */
export interface DeskEntry {
  conversationId: string;
  /** A new id for every handoff of the conversation, so a late message never lands in the next one. */
  handoffId: string;
  locale: Locale;
  reason: HandoffReason;
  enqueuedAt: number;
  agent: string | null;
  assignedAt: number | null;
}

/** What an agent works from; kept apart from the line so the line stays small. */
export interface HandoffCase {
  handoffId: string;
  conversationId: string;
  packet: HandoffPacket;
  /** The chart's opaque subject: services need it to mint a link or send a code; agents never see it. */
  subject: string | null;
  codeChannel: Channel | null;
  locale: Locale;
  /** Bot Framework ConversationReference, to write to the person from whichever instance delivers. */
  reference: Record<string, unknown>;
  agentVerified: { agent: string; at: number } | null;
  /**
   * The person spent a recovery code before asking for a person: the reset the agent enables still owes them a
   * fresh one (SECURITY.md 14). Kept here because the conversation's own record may expire while they wait.
   */
  recoveryCodeUsed?: boolean;
}

/** One line of a handoff's chat log. Entries marked as instructions are carried out by the person's instance. */
export type LogEntry = { at: number } & (
  | { kind: 'person_message'; text: string }
  /** The person typed something that looked like a password: refused, not relayed, not kept. */
  | { kind: 'person_withheld' }
  | { kind: 'person_left' }
  | { kind: 'agent_joined'; agent: string }
  | { kind: 'agent_message'; agent: string; text: string }
  | { kind: 'agent_verified'; agent: string }
  /** Instruction: mint a reset link and give it to the person (the link itself is never written here). */
  | { kind: 'reset_link'; agent: string }
  | { kind: 'reset_link_sent' }
  | { kind: 'reset_link_failed' }
  /** Instruction: send a fresh one-time code on this channel and hand the person back to the bot for it. */
  | { kind: 'fresh_code'; agent: string; channel: Channel }
  | { kind: 'fresh_code_failed'; reason: 'locked' | 'error' }
  /** Instruction: the agent ends the handoff and the person goes back to the bot. */
  | { kind: 'ended'; agent: string; outcome: 'returned' | 'resolved' }
  /** The handoff is over, for whatever reason; nothing more will be delivered. */
  | { kind: 'closed'; outcome: string }
);

/** Kinds the person's instance acts on; the rest are for the agent's eyes. */
export const INSTRUCTION_KINDS: ReadonlySet<LogEntry['kind']> = new Set(['agent_joined', 'agent_message', 'reset_link', 'fresh_code', 'ended']);

export interface HandoffLog {
  handoffId: string;
  entries: LogEntry[];
}

/** Longest a handoff's log may grow; past it the chat has gone on long enough to start a new one. */
export const MAX_LOG_ENTRIES = 500;

export type TakeOutcome = 'taken' | 'already_taken' | 'gone';

const keys = {
  desk: 'handoff:desk',
  waits: 'handoff:waits',
  case: (c: string) => `handoff:case:{${c}}`,
  log: (c: string) => `handoff:log:{${c}}`,
  cursor: (c: string) => `handoff:cursor:{${c}}`,
  assignment: (c: string) => `handoff:assignment:{${c}}`,
  owner: (c: string) => `handoff:owner:{${c}}`,
  instance: (id: string) => `handoff:instance:{${id}}`,
};

export class HandoffDesk {
  constructor(
    private readonly store: KeyValueStore,
    private readonly clock: Clock,
    /** How long a handoff's records live; a line entry older than this is dropped as abandoned. */
    private readonly ttlMs: number,
  ) {}

  private async updateLine(change: (entries: DeskEntry[]) => DeskEntry[]): Promise<DeskEntry[]> {
    const now = this.clock.now();
    const written = await updateDoc<{ entries: DeskEntry[] }>(this.store, keys.desk, (current) => ({
      entries: change((current?.entries ?? []).filter((e) => now - e.enqueuedAt < this.ttlMs)),
    }));
    return written.entries;
  }

  /** Everyone on the desk, oldest first. */
  async entries(): Promise<DeskEntry[]> {
    const now = this.clock.now();
    const doc = await readDoc<{ entries: DeskEntry[] }>(this.store, keys.desk);
    return (doc?.entries ?? []).filter((e) => now - e.enqueuedAt < this.ttlMs).sort((a, b) => a.enqueuedAt - b.enqueuedAt);
  }

  async entry(conversationId: string): Promise<DeskEntry | null> {
    return (await this.entries()).find((e) => e.conversationId === conversationId) ?? null;
  }

  /** Opens a handoff: a fresh case, log and delivery cursor, and a place at the end of the line. */
  async open(handoffCase: HandoffCase, entry: DeskEntry): Promise<void> {
    const c = handoffCase.conversationId;
    await this.store.del(keys.assignment(c));
    await updateDoc(this.store, keys.case(c), () => handoffCase, this.ttlMs);
    await updateDoc<HandoffLog>(this.store, keys.log(c), () => ({ handoffId: handoffCase.handoffId, entries: [] }), this.ttlMs);
    await updateDoc(this.store, keys.cursor(c), () => ({ handoffId: handoffCase.handoffId, delivered: 0 }), this.ttlMs);
    await this.updateLine((entries) => [...entries.filter((e) => e.conversationId !== c), entry]);
  }

  /** Keeps a case without a place in line (a ticket after hours, a hub-only handoff): agents can still read it. */
  async saveCase(handoffCase: HandoffCase): Promise<void> {
    await updateDoc(this.store, keys.case(handoffCase.conversationId), () => handoffCase, this.ttlMs);
  }

  async caseOf(conversationId: string): Promise<HandoffCase | null> {
    return readDoc<HandoffCase>(this.store, keys.case(conversationId));
  }

  async markAgentVerified(conversationId: string, agent: string): Promise<HandoffCase | null> {
    const current = await this.caseOf(conversationId);
    if (!current) return null;
    return updateDoc<HandoffCase>(
      this.store,
      keys.case(conversationId),
      (c) => ({ ...(c ?? current), agentVerified: { agent, at: this.clock.now() } }),
      this.ttlMs,
    );
  }

  /** Place in line (1 = next), or null when the conversation is not waiting. */
  async positionOf(conversationId: string): Promise<number | null> {
    const waiting = (await this.entries()).filter((e) => e.agent === null);
    const index = waiting.findIndex((e) => e.conversationId === conversationId);
    return index < 0 ? null : index + 1;
  }

  /**
   * An agent takes a waiting conversation. The assignment is one setIfAbsent: of two agents clicking at
   * once, one gets 'taken' and the other 'already_taken'.
   */
  async take(conversationId: string, agent: string): Promise<TakeOutcome> {
    const waiting = await this.entry(conversationId);
    if (!waiting) return 'gone';
    if (waiting.agent !== null) return 'already_taken';
    const won = await this.store.setIfAbsent(
      keys.assignment(conversationId),
      JSON.stringify({ agent, handoffId: waiting.handoffId }),
      this.ttlMs,
    );
    if (!won) return 'already_taken';
    const now = this.clock.now();
    let stillThere = false;
    await this.updateLine((entries) =>
      entries.map((e) => {
        if (e.conversationId !== conversationId || e.handoffId !== waiting.handoffId) return e;
        stillThere = true;
        return { ...e, agent, assignedAt: now };
      }),
    );
    if (!stillThere) {
      // The person left between the two steps: give the assignment back.
      await this.store.del(keys.assignment(conversationId));
      return 'gone';
    }
    await updateDoc<WaitSample[]>(this.store, keys.waits, (samples) => addWaitSample(samples ?? [], { at: now, ms: now - waiting.enqueuedAt }));
    return 'taken';
  }

  /** The agent who has the conversation now, if any. */
  async assignee(conversationId: string): Promise<{ agent: string; handoffId: string } | null> {
    const raw = await this.store.get(keys.assignment(conversationId));
    if (!raw) return null;
    try {
      return JSON.parse(raw) as { agent: string; handoffId: string };
    } catch {
      return null;
    }
  }

  /** Takes the conversation off the desk; its case and log stay readable until they expire. */
  async remove(conversationId: string): Promise<DeskEntry | null> {
    let removed: DeskEntry | null = null;
    await this.updateLine((entries) =>
      entries.filter((e) => {
        if (e.conversationId !== conversationId) return true;
        removed = e;
        return false;
      }),
    );
    await this.store.del(keys.assignment(conversationId));
    return removed;
  }

  /** Appends to the handoff's log; null when the log belongs to another handoff or is full. */
  async append(conversationId: string, handoffId: string, entry: LogEntry): Promise<number | null> {
    let index: number | null = null;
    await updateDoc<HandoffLog>(
      this.store,
      keys.log(conversationId),
      (current) => {
        index = null;
        if (!current || current.handoffId !== handoffId || current.entries.length >= MAX_LOG_ENTRIES) {
          return current ?? { handoffId, entries: [] };
        }
        index = current.entries.length;
        return { handoffId, entries: [...current.entries, entry] };
      },
      this.ttlMs,
    );
    return index;
  }

  async log(conversationId: string): Promise<HandoffLog | null> {
    return readDoc<HandoffLog>(this.store, keys.log(conversationId));
  }

  /**
   * Claims the log entries no instance has delivered yet, by moving the shared cursor past them with a
   * compare-and-set: two instances claiming at once never both get the same entry.
   */
  async claimUndelivered(conversationId: string): Promise<LogEntry[]> {
    const log = await this.log(conversationId);
    if (!log) return [];
    let claimed: LogEntry[] = [];
    await updateDoc<{ handoffId: string; delivered: number }>(
      this.store,
      keys.cursor(conversationId),
      (cursor) => {
        const from = cursor && cursor.handoffId === log.handoffId ? cursor.delivered : 0;
        claimed = log.entries.slice(from);
        return { handoffId: log.handoffId, delivered: Math.max(from, log.entries.length) };
      },
      this.ttlMs,
    );
    return claimed;
  }

  /** The instance that served the person's last turn: it delivers what the agent writes. */
  async setOwner(conversationId: string, instanceId: string): Promise<void> {
    await this.store.set(keys.owner(conversationId), instanceId, this.ttlMs);
  }

  async owner(conversationId: string): Promise<string | null> {
    return this.store.get(keys.owner(conversationId));
  }

  async heartbeat(instanceId: string, ttlMs: number): Promise<void> {
    await this.store.set(keys.instance(instanceId), '1', ttlMs);
  }

  async isAlive(instanceId: string): Promise<boolean> {
    return (await this.store.get(keys.instance(instanceId))) !== null;
  }

  async waitSamples(): Promise<WaitSample[]> {
    return (await readDoc<WaitSample[]>(this.store, keys.waits)) ?? [];
  }
}
