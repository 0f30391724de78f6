import type { Grant, LimitStore, WindowUsage } from './limit-store.js';
import { retryInMs, type CountedCost } from './rolling-window.js';

/** One key's rolling window: the costs counted in it, oldest first, and their sum. */
interface Window {
  readonly costs: CountedCost[];
  total: number;
  readonly windowMs: number;
}

interface StoredGrant {
  readonly value: string;
  readonly expiresAt: number;
}

const SWEEP_EVERY_MS = 60_000;

/**
 * The in-process LimitStore for dev mode without Redis: the same rolling windows and grants as
 * RedisLimitStore, but each process counts alone. Costs leave a window when they age out; windows and
 * grants with nothing live are dropped on access and swept once a minute, so memory stays bounded by the
 * calls counted in the last window.
 */
export class MemoryLimitStore implements LimitStore {
  private readonly windows = new Map<string, Window>();
  private readonly grants = new Map<string, StoredGrant>();
  private lastSweep: number;

  constructor(private readonly now: () => number = Date.now) {
    this.lastSweep = now();
  }

  async consume(key: string, cost: number, limit: number, windowMs: number): Promise<WindowUsage> {
    const now = this.now();
    this.sweepIfDue(now);
    const window = this.windows.get(key) ?? { costs: [], total: 0, windowMs };
    trim(window, now - windowMs);
    if (window.total + cost > limit) {
      if (window.costs.length === 0) this.windows.delete(key);
      return { allowed: false, used: window.total, retryInMs: retryInMs(window.costs, window.total, cost, limit, windowMs, now) };
    }
    window.costs.push({ at: now, cost });
    window.total += cost;
    this.windows.set(key, window);
    return { allowed: true, used: window.total, retryInMs: 0 };
  }

  async putIfAbsent(key: string, value: string, ttlMs: number): Promise<Grant> {
    const now = this.now();
    this.sweepIfDue(now);
    const live = this.grants.get(key);
    if (live !== undefined && live.expiresAt > now) return { value: live.value, created: false, expiresInMs: live.expiresAt - now };
    this.grants.set(key, { value, expiresAt: now + ttlMs });
    return { value, created: true, expiresInMs: ttlMs };
  }

  private sweepIfDue(now: number): void {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    for (const [key, window] of this.windows) {
      trim(window, now - window.windowMs);
      if (window.costs.length === 0) this.windows.delete(key);
    }
    for (const [key, grant] of this.grants) if (grant.expiresAt <= now) this.grants.delete(key);
  }

  /** Windows and grants held, stale ones included until swept (for tests of the memory bound). */
  get size(): number {
    return this.windows.size + this.grants.size;
  }
}

/** Drops the costs counted at or before `cutoff`: they have left the window. */
function trim(window: Window, cutoff: number): void {
  let leaving = 0;
  while (leaving < window.costs.length && window.costs[leaving].at <= cutoff) {
    window.total -= window.costs[leaving].cost;
    leaving += 1;
  }
  if (leaving > 0) window.costs.splice(0, leaving);
}
