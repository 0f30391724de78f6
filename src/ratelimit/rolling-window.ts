/** A cost counted in a rolling window at time `at` (epoch ms). It counts while now < at + windowMs. */
export interface CountedCost {
  readonly at: number;
  readonly cost: number;
}

/**
 * How long until `cost` fits, given the costs still in the window (oldest first) and their `total`: the
 * moment enough of the oldest have left. For a cost of 1 at the limit, that is when the oldest counted call
 * leaves. A cost above the whole limit never fits; the answer is then the full window. RedisLimitStore's
 * script computes the same thing in Lua.
 */
export function retryInMs(costs: readonly CountedCost[], total: number, cost: number, limit: number, windowMs: number, now: number): number {
  if (cost > limit) return windowMs;
  let left = total;
  for (const counted of costs) {
    left -= counted.cost;
    if (left + cost <= limit) return counted.at + windowMs - now;
  }
  return windowMs; // unreachable while total + cost > limit >= cost: some prefix of the costs always frees enough
}
