// One persisted record per conversation: the chart snapshot (with the chart and schema versions it was
// written under) and the channel reference needed to message the person later. Writes are versioned.
import { z } from 'zod';
import type { KeyValueStore } from '../stores/kv-store.js';

export const RECORD_SCHEMA_VERSION = 1;

const recordSchema = z.object({
  schemaVersion: z.number().int(),
  chartVersion: z.number().int(),
  snapshot: z.unknown(),
  /** Bot Framework ConversationReference (service URL, ids) for proactive messages. */
  reference: z.record(z.string(), z.unknown()).nullable(),
  updatedAt: z.number(),
});

export type ConversationRecord = z.infer<typeof recordSchema>;

export class ConversationConflictError extends Error {
  constructor(conversationId: string) {
    super(`conversation ${conversationId} was written by another turn`);
    this.name = 'ConversationConflictError';
  }
}

const key = (conversationId: string) => `conv:{${conversationId}}`;

export class ConversationStore {
  constructor(
    private readonly store: KeyValueStore,
    private readonly ttlMs: number,
  ) {}

  /**
   * A record that does not parse (corrupt, or from an unknown schema) reads as absent, never as a crash;
   * `unreadable` says so, so the person can be told why the conversation starts again.
   */
  async load(conversationId: string): Promise<{ record: ConversationRecord | null; version: number; unreadable?: true }> {
    const { value, version } = await this.store.getVersioned(key(conversationId));
    if (value === null) return { record: null, version };
    let parsed;
    try {
      parsed = recordSchema.safeParse(JSON.parse(value));
    } catch {
      return { record: null, version, unreadable: true };
    }
    if (!parsed.success || parsed.data.schemaVersion !== RECORD_SCHEMA_VERSION) return { record: null, version, unreadable: true };
    return { record: parsed.data, version };
  }

  async save(conversationId: string, record: ConversationRecord, expectedVersion: number): Promise<void> {
    const ok = await this.store.compareAndSet(key(conversationId), expectedVersion, JSON.stringify(record), this.ttlMs);
    if (!ok) throw new ConversationConflictError(conversationId);
  }

  async delete(conversationId: string): Promise<void> {
    await this.store.del(key(conversationId));
  }
}
