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
  const { value } = await store.getVersioned(key);
  if (value === null) return null;
  try {
    return JSON.parse(value) as T;
  } catch {
    return null;
  }
}

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
    const { value, version } = await store.getVersioned(key);
    let current: T | null = null;
    if (value !== null) {
      try {
        current = JSON.parse(value) as T;
      } catch {
        current = null;
      }
    }
    const next = change(current);
    if (await store.compareAndSet(key, version, JSON.stringify(next), ttlMs)) return next;
    await new Promise((resolve) => setTimeout(resolve, Math.min(2 ** attempt, 50) * (0.5 + Math.random())));
  }
  throw new DocumentContentionError(key);
}
