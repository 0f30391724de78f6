/** The shared state behind limits: fixed-window counters and expiring grants. */
export interface WindowUsage {
  /** Whether `cost` fitted in the window and was added. A refused cost adds nothing. */
  readonly allowed: boolean;
  /** The window's count after this call. */
  readonly used: number;
  /** Until the window closes and the count starts again from zero. */
  readonly resetInMs: number;
}

export interface Grant {
  /** The live value at the key: the one just stored, or the one already there. */
  readonly value: string;
  /** True when this call stored it. */
  readonly created: boolean;
  readonly expiresInMs: number;
}

/**
 * Implemented over Redis (shared by every vault instance) and in process (dev mode without REDIS_URL). Each
 * operation is atomic. Methods reject when the store is unreachable; callers decide what that means.
 */
export interface LimitStore {
  /**
   * Fixed window: the first cost opens a window of `windowMs` at `key`; costs add up until the window ends.
   * A cost that would take the count past `limit` is refused and not counted, so a refused call never eats
   * into what is left.
   */
  consume(key: string, cost: number, limit: number, windowMs: number): Promise<WindowUsage>;
  /** Stores `value` at `key` for `ttlMs` unless a live value is there; either way returns the live one. Never extends a TTL. */
  putIfAbsent(key: string, value: string, ttlMs: number): Promise<Grant>;
}

export const LIMIT_STORE = Symbol('LIMIT_STORE');
