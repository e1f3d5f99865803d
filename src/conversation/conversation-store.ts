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

/** A record as this process wrote it: the object, the exact text stored and the version it got. */
export interface StoredRecord {
  record: ConversationRecord;
  version: number;
  value: string;
}

const key = (conversationId: string) => `conv:{${conversationId}}`;

export class ConversationStore {
  constructor(
    private readonly store: KeyValueStore,
    private readonly ttlMs: number,
  ) {}

  /**
   * A record that does not parse (corrupt, or from an unknown schema) reads as absent, never as a crash;
   * `unreadable` says so, so the person can be told why the conversation starts again. With `known` (what this
   * process last wrote, from save()), a record still exactly as written comes back as that record, `unchanged`,
   * without being parsed again: the caller may keep using what it built from it.
   */
  async load(
    conversationId: string,
    known?: StoredRecord,
  ): Promise<{ record: ConversationRecord | null; version: number; unreadable?: true; unchanged?: true }> {
    const { value, version } = await this.store.getVersioned(key(conversationId));
    if (value === null) return { record: null, version };
    // Both checks: the version alone could match again after the key expired and another writer started over.
    if (known && version === known.version && value === known.value) return { record: known.record, version, unchanged: true };
    let parsed;
    try {
      parsed = recordSchema.safeParse(JSON.parse(value));
    } catch {
      return { record: null, version, unreadable: true };
    }
    if (!parsed.success || parsed.data.schemaVersion !== RECORD_SCHEMA_VERSION) return { record: null, version, unreadable: true };
    return { record: parsed.data, version };
  }

  /** Writes the record if nobody wrote since `expectedVersion`; returns what was stored, for load()'s `known`. */
  async save(conversationId: string, record: ConversationRecord, expectedVersion: number): Promise<StoredRecord> {
    const value = JSON.stringify(record);
    const ok = await this.store.compareAndSet(key(conversationId), expectedVersion, value, this.ttlMs);
    if (!ok) throw new ConversationConflictError(conversationId);
    // Both stores count a key's versions up by one a write (kv-store.ts, redis-store.ts).
    return { record, version: expectedVersion + 1, value };
  }

  async delete(conversationId: string): Promise<void> {
    await this.store.del(key(conversationId));
  }
}
