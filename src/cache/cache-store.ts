/**
 * The storage under TokenCache: Redis, or an in-process map when the vault runs without Redis (dev mode).
 *
 * The protocol that keeps a cache of a changing table correct:
 * - readers fill a missing entry with `addIfAbsent` (SET NX), never overwriting;
 * - writers `tombstone` an entry (a plain SET of a marker, with a short expiry) before and after they change
 *   the row. A reader that read the old row before the change can then no longer put it back: its NX write
 *   meets either the tombstone or, if it came first, is overwritten by it.
 * Every method may throw when the store is unreachable; TokenCache turns that into a miss.
 */
export interface CacheStore {
  /** The stored strings, in order; null where a key holds nothing. */
  getMany(keys: readonly string[]): Promise<(string | null)[]>;
  /** Stores each entry unless its key holds something already (a live entry or a tombstone). */
  addIfAbsent(entries: readonly CacheEntry[], ttlSeconds: number): Promise<void>;
  /** Overwrites the keys with TOMBSTONE for `ttlSeconds`. */
  tombstone(keys: readonly string[], ttlSeconds: number): Promise<void>;
  /** Drops every key this cache owns (after an outage during which tombstones may have been lost). */
  clear(): Promise<void>;
}

export interface CacheEntry {
  readonly key: string;
  readonly value: string;
}

/** What a tombstoned key holds: never a valid entry (entries start with a MAC). */
export const TOMBSTONE = '!';
