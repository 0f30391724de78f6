import type { Grant, LimitStore, WindowUsage } from './limit-store.js';

interface Entry {
  count: number;
  value: string;
  readonly expiresAt: number;
}

const SWEEP_EVERY_MS = 60_000;

/**
 * The in-process LimitStore for dev mode without Redis: same semantics as RedisLimitStore, but each
 * process counts alone. Expired entries are dropped on access and swept once a minute, so memory stays
 * bounded by the callers of the last window.
 */
export class MemoryLimitStore implements LimitStore {
  private readonly entries = new Map<string, Entry>();
  private lastSweep: number;

  constructor(private readonly now: () => number = Date.now) {
    this.lastSweep = now();
  }

  async consume(key: string, cost: number, limit: number, windowMs: number): Promise<WindowUsage> {
    const now = this.now();
    const entry = this.live(key, now);
    if (entry === undefined) {
      if (cost > limit) return { allowed: false, used: 0, resetInMs: windowMs };
      this.entries.set(key, { count: cost, value: '', expiresAt: now + windowMs });
      return { allowed: true, used: cost, resetInMs: windowMs };
    }
    const resetInMs = entry.expiresAt - now;
    if (entry.count + cost > limit) return { allowed: false, used: entry.count, resetInMs };
    entry.count += cost;
    return { allowed: true, used: entry.count, resetInMs };
  }

  async putIfAbsent(key: string, value: string, ttlMs: number): Promise<Grant> {
    const now = this.now();
    const entry = this.live(key, now);
    if (entry !== undefined) return { value: entry.value, created: false, expiresInMs: entry.expiresAt - now };
    this.entries.set(key, { count: 0, value, expiresAt: now + ttlMs });
    return { value, created: true, expiresInMs: ttlMs };
  }

  private live(key: string, now: number): Entry | undefined {
    if (now - this.lastSweep >= SWEEP_EVERY_MS) this.sweep(now);
    const entry = this.entries.get(key);
    if (entry === undefined || entry.expiresAt > now) return entry;
    this.entries.delete(key);
    return undefined;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }

  /** Entries held, expired ones included until swept (for tests of the memory bound). */
  get size(): number {
    return this.entries.size;
  }
}
