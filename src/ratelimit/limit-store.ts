/** The shared state behind limits: rolling windows of counted costs, and expiring grants. */
export interface WindowUsage {
  /** Whether `cost` fitted in the window and was counted. A refused cost counts nothing. */
  readonly allowed: boolean;
  /** The costs counted in the window (the last `windowMs`) after this call. */
  readonly used: number;
  /**
   * Allowed: 0. Refused: until enough counted costs have left the window for this cost to fit, i.e. until the
   * oldest counted call leaves it for a cost of 1; `windowMs` for a cost larger than the whole limit.
   */
  readonly retryInMs: number;
}

export interface Grant {
  /** The live value at the key: the one just stored, or the one already there. */
  readonly value: string;
  /** True when this call stored it. */
  readonly created: boolean;
  readonly expiresInMs: number;
}

/**
 * Implemented over Redis (shared by every vault instance) and in process (dev mode without REDIS_URL), with
 * the same semantics. Each operation is atomic. Methods reject when the store is unreachable; callers decide
 * what that means.
 */
export interface LimitStore {
  /**
   * Rolling (sliding-log) window: the costs counted at `key` within the last `windowMs`, whenever they were
   * counted, never exceed `limit`; there is no window boundary to burst across. A cost that would take the
   * count past `limit` is refused and not counted, so a refused call never eats into what is left.
   */
  consume(key: string, cost: number, limit: number, windowMs: number): Promise<WindowUsage>;
  /** Stores `value` at `key` for `ttlMs` unless a live value is there; either way returns the live one. Never extends a TTL. */
  putIfAbsent(key: string, value: string, ttlMs: number): Promise<Grant>;
}

export const LIMIT_STORE = Symbol('LIMIT_STORE');
