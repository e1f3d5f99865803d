// What the local Direct Line keeps per conversation: its user, and the activities of both sides numbered
// by a watermark. Behind a small interface so a shared (Redis) log can replace the in-memory one when
// several instances serve the widget. Every bound is explicit: per-conversation count and bytes, age,
// number of conversations and total bytes; the oldest go first.
import type { Clock } from '../../clock.js';

/** A Bot Framework activity as JSON, with the fields the log assigns. */
export interface LoggedActivity {
  id: string;
  timestamp: string;
  type: string;
  [field: string]: unknown;
}

/** An activity before the log numbers and stamps it. */
export interface NewActivity {
  type: string;
  [field: string]: unknown;
}

export interface DirectLineConversation {
  id: string;
  userId: string;
  createdAt: number;
}

export interface ActivityPage {
  activities: LoggedActivity[];
  /** Pass back to get only what came after; Direct Line 3.0 sends it as a string. */
  watermark: string;
}

/** A live update for streaming clients: a logged activity with its watermark, or an ephemeral one (typing). */
export interface ActivityUpdate {
  activity: LoggedActivity;
  watermark?: string;
}

export class ActivityTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`activity larger than ${limit} bytes`);
    this.name = 'ActivityTooLargeError';
  }
}

export interface ActivityLog {
  /** Creates the conversation for this user if it does not exist; an existing one is returned unchanged. */
  open(conversationId: string, userId: string): Promise<DirectLineConversation>;
  get(conversationId: string): Promise<DirectLineConversation | null>;
  /** Appends, assigning `id` and `timestamp` (strictly increasing per conversation); null if the conversation is gone. */
  append(conversationId: string, activity: NewActivity): Promise<LoggedActivity | null>;
  /** Sends an activity to live listeners without keeping it (typing indicators). */
  publish(conversationId: string, activity: NewActivity): Promise<void>;
  /** Activities after the watermark (all kept ones when null), oldest first, at most `limit`. */
  since(conversationId: string, watermark: number | null, limit?: number): Promise<ActivityPage | null>;
  /** Live updates for one conversation; returns the unsubscribe function. */
  subscribe(conversationId: string, listener: (update: ActivityUpdate) => void): () => void;
}

export interface ActivityLogLimits {
  maxActivitiesPerConversation: number;
  maxBytesPerConversation: number;
  maxActivityBytes: number;
  maxConversations: number;
  maxTotalBytes: number;
  /** A conversation with no activity for this long is forgotten. */
  idleTtlMs: number;
}

export const defaultActivityLogLimits: ActivityLogLimits = {
  maxActivitiesPerConversation: 500,
  maxBytesPerConversation: 512 * 1024,
  maxActivityBytes: 32 * 1024,
  maxConversations: 10_000,
  maxTotalBytes: 64 * 1024 * 1024,
  idleTtlMs: 24 * 3600_000,
};

interface Entry {
  seq: number;
  json: string;
}

interface ConversationRecord {
  conversation: DirectLineConversation;
  entries: Entry[];
  bytes: number;
  nextSeq: number;
  lastTimestamp: number;
  lastActive: number;
}

export class MemoryActivityLog implements ActivityLog {
  /** Insertion order is recency order: every touch re-inserts, so the first key is the least recently used. */
  private readonly records = new Map<string, ConversationRecord>();
  private readonly listeners = new Map<string, Set<(update: ActivityUpdate) => void>>();
  private totalBytes = 0;
  private ephemeralSeq = 0;
  readonly limits: ActivityLogLimits;

  constructor(
    private readonly clock: Clock,
    limits: Partial<ActivityLogLimits> = {},
  ) {
    this.limits = { ...defaultActivityLogLimits, ...limits };
  }

  async open(conversationId: string, userId: string): Promise<DirectLineConversation> {
    this.sweep();
    const existing = this.touch(conversationId);
    if (existing) return existing.conversation;
    const now = this.clock.now();
    const record: ConversationRecord = {
      conversation: { id: conversationId, userId, createdAt: now },
      entries: [],
      bytes: 0,
      nextSeq: 1,
      lastTimestamp: 0,
      lastActive: now,
    };
    this.records.set(conversationId, record);
    while (this.records.size > this.limits.maxConversations) this.evictOldest();
    return record.conversation;
  }

  async get(conversationId: string): Promise<DirectLineConversation | null> {
    this.sweep();
    return this.touch(conversationId)?.conversation ?? null;
  }

  async append(conversationId: string, activity: NewActivity): Promise<LoggedActivity | null> {
    this.sweep();
    const record = this.touch(conversationId);
    if (!record) return null;
    const seq = record.nextSeq;
    const logged = this.stamp(record, activity, `${conversationId}|${String(seq).padStart(7, '0')}`);
    const json = JSON.stringify(logged);
    const bytes = Buffer.byteLength(json);
    if (bytes > this.limits.maxActivityBytes) throw new ActivityTooLargeError(this.limits.maxActivityBytes);
    record.nextSeq++;
    record.entries.push({ seq, json });
    record.bytes += bytes;
    this.totalBytes += bytes;
    while (
      record.entries.length > this.limits.maxActivitiesPerConversation ||
      record.bytes > this.limits.maxBytesPerConversation
    ) {
      const dropped = record.entries.shift()!;
      const size = Buffer.byteLength(dropped.json);
      record.bytes -= size;
      this.totalBytes -= size;
    }
    // Keep the conversation being written to; evict others first.
    while (this.totalBytes > this.limits.maxTotalBytes && this.records.size > 1) this.evictOldest();
    this.emit(conversationId, { activity: JSON.parse(json) as LoggedActivity, watermark: String(seq) });
    return JSON.parse(json) as LoggedActivity;
  }

  async publish(conversationId: string, activity: NewActivity): Promise<void> {
    const record = this.touch(conversationId);
    if (!record) return;
    // Ephemeral ids never collide with logged ones (those are all digits after the bar).
    this.emit(conversationId, { activity: this.stamp(record, activity, `${conversationId}|e${++this.ephemeralSeq}`) });
  }

  async since(conversationId: string, watermark: number | null, limit = 100): Promise<ActivityPage | null> {
    this.sweep();
    const record = this.touch(conversationId);
    if (!record) return null;
    const after = watermark ?? 0;
    const newer = record.entries.filter((e) => e.seq > after).slice(0, limit);
    const last = newer.at(-1)?.seq ?? Math.min(after, record.nextSeq - 1);
    return { activities: newer.map((e) => JSON.parse(e.json) as LoggedActivity), watermark: String(last) };
  }

  subscribe(conversationId: string, listener: (update: ActivityUpdate) => void): () => void {
    let set = this.listeners.get(conversationId);
    if (!set) this.listeners.set(conversationId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (!set.size && this.listeners.get(conversationId) === set) this.listeners.delete(conversationId);
    };
  }

  /** Sizes, for tests and metrics. */
  stats(): { conversations: number; totalBytes: number } {
    return { conversations: this.records.size, totalBytes: this.totalBytes };
  }

  private stamp(record: ConversationRecord, activity: NewActivity, id: string): LoggedActivity {
    // Web Chat orders by timestamp; equal ones (a fast bot, a frozen test clock) must still keep their order.
    const at = Math.max(this.clock.now(), record.lastTimestamp + 1);
    record.lastTimestamp = at;
    return { ...activity, id, timestamp: new Date(at).toISOString() };
  }

  private emit(conversationId: string, update: ActivityUpdate): void {
    for (const listener of this.listeners.get(conversationId) ?? []) listener(update);
  }

  private touch(conversationId: string): ConversationRecord | null {
    const record = this.records.get(conversationId);
    if (!record) return null;
    record.lastActive = this.clock.now();
    this.records.delete(conversationId);
    this.records.set(conversationId, record);
    return record;
  }

  /** Drops conversations idle past the TTL; they sit at the front, so this stops at the first live one. */
  private sweep(): void {
    const oldest = this.clock.now() - this.limits.idleTtlMs;
    for (const [id, record] of this.records) {
      if (record.lastActive > oldest) break;
      this.remove(id, record);
    }
  }

  private evictOldest(): void {
    const first = this.records.entries().next();
    if (!first.done) this.remove(first.value[0], first.value[1]);
  }

  private remove(id: string, record: ConversationRecord): void {
    this.records.delete(id);
    this.totalBytes -= record.bytes;
  }
}
