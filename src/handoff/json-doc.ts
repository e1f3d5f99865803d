// Small JSON documents in the KeyValueStore, changed by compare-and-set so two instances writing at once
// never lose each other's change: read with its version, apply the change, write only if nobody wrote first.
import type { KeyValueStore } from '../stores/kv-store.js';

export class DocumentContentionError extends Error {
  constructor(key: string) {
    super(`too many concurrent writers on ${key}`);
    this.name = 'DocumentContentionError';
  }
}

export async function readDoc<T>(store: KeyValueStore, key: string): Promise<T | null> {
  return (await readVersionedDoc<T>(store, key)).doc;
}

/** The document and the version to write it back with; an unreadable one reads as absent, so it is written over. */
export async function readVersionedDoc<T>(store: KeyValueStore, key: string): Promise<{ doc: T | null; version: number }> {
  const { value, version } = await store.getVersioned(key);
  if (value === null) return { doc: null, version };
  try {
    return { doc: JSON.parse(value) as T, version };
  } catch {
    return { doc: null, version };
  }
}

/** After a lost compare-and-set: a short pause that grows, with jitter so the writers do not collide again. */
export const contentionPause = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.min(2 ** attempt, 50) * (0.5 + Math.random())));

/**
 * Applies `change` to the current document (null when absent) and writes the result; retried with a short,
 * growing pause when another writer got there first. Returns what was written.
 */
export async function updateDoc<T>(
  store: KeyValueStore,
  key: string,
  change: (current: T | null) => T,
  ttlMs?: number,
  attempts = 25,
): Promise<T> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const { doc: current, version } = await readVersionedDoc<T>(store, key);
    const next = change(current);
    if (await store.compareAndSet(key, version, JSON.stringify(next), ttlMs)) return next;
    await contentionPause(attempt);
  }
  throw new DocumentContentionError(key);
}
