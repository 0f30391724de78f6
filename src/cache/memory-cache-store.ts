import { TOMBSTONE, type CacheEntry, type CacheStore } from './cache-store.js';

interface Held {
  readonly value: string;
  readonly expiresAt: number;
}

/**
 * The in-process cache of a vault without Redis (dev mode: one process, so nothing needs sharing). Bounded:
 * past `maxEntries` the oldest insertions are dropped first.
 */
export class MemoryCacheStore implements CacheStore {
  readonly #entries = new Map<string, Held>();

  constructor(
    private readonly maxEntries = 50_000,
    private readonly now: () => number = Date.now,
  ) {}

  async getMany(keys: readonly string[]): Promise<(string | null)[]> {
    return keys.map((key) => this.#live(key)?.value ?? null);
  }

  async addIfAbsent(entries: readonly CacheEntry[], ttlSeconds: number): Promise<void> {
    for (const { key, value } of entries) if (this.#live(key) === undefined) this.#set(key, value, ttlSeconds);
  }

  async tombstone(keys: readonly string[], ttlSeconds: number): Promise<void> {
    for (const key of keys) this.#set(key, TOMBSTONE, ttlSeconds);
  }

  async clear(): Promise<void> {
    this.#entries.clear();
  }

  #live(key: string): Held | undefined {
    const held = this.#entries.get(key);
    if (held === undefined) return undefined;
    if (held.expiresAt > this.now()) return held;
    this.#entries.delete(key);
    return undefined;
  }

  #set(key: string, value: string, ttlSeconds: number): void {
    this.#entries.delete(key); // re-inserting moves the key to the young end
    this.#entries.set(key, { value, expiresAt: this.now() + ttlSeconds * 1000 });
    while (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }
}
