import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryLimitStore } from '../../../src/ratelimit/memory-limit-store.js';

/**
 * The rolling window's promise, checked against a naive model written here from the definition: a cost is
 * counted at time t while now < t + window; a call is allowed iff the counted costs plus its own fit the
 * limit; when refused, retry is the first moment at which it would fit.
 */
interface Counted {
  at: number;
  cost: number;
}
const inWindow = (log: Counted[], now: number, windowMs: number) => log.filter((c) => now < c.at + windowMs);
const sum = (log: Counted[]) => log.reduce((total, c) => total + c.cost, 0);

function modelRetry(log: Counted[], now: number, cost: number, limit: number, windowMs: number): number {
  if (cost > limit) return windowMs;
  for (let wait = 1; wait <= windowMs; wait++) if (sum(inWindow(log, now + wait, windowMs)) + cost <= limit) return wait;
  return windowMs;
}

const calls = fc.array(fc.record({ advanceMs: fc.integer({ min: 0, max: 400 }), cost: fc.integer({ min: 1, max: 6 }) }), { minLength: 1, maxLength: 60 });

describe('MemoryLimitStore rolling window', () => {
  it('decides every call exactly as the definition says (allowed, used, retry)', async () => {
    await fc.assert(
      fc.asyncProperty(calls, fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 1000 }), async (sequence, limit, windowMs) => {
        let now = 1_000_000;
        const store = new MemoryLimitStore(() => now);
        const log: Counted[] = [];
        for (const { advanceMs, cost } of sequence) {
          now += advanceMs;
          const live = inWindow(log, now, windowMs);
          const fits = sum(live) + cost <= limit;
          const usage = await store.consume('k', cost, limit, windowMs);
          if (fits) log.push({ at: now, cost });
          expect(usage).toEqual({
            allowed: fits,
            used: sum(inWindow(log, now, windowMs)),
            retryInMs: fits ? 0 : modelRetry(log, now, cost, limit, windowMs),
          });
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never lets more than the limit through in ANY window, however the calls are timed', async () => {
    await fc.assert(
      fc.asyncProperty(calls, fc.integer({ min: 1, max: 10 }), fc.integer({ min: 50, max: 1000 }), async (sequence, limit, windowMs) => {
        let now = 0;
        const store = new MemoryLimitStore(() => now);
        const admitted: Counted[] = [];
        for (const { advanceMs, cost } of sequence) {
          now += advanceMs;
          if ((await store.consume('k', cost, limit, windowMs)).allowed) admitted.push({ at: now, cost });
        }
        // Every window [start, start + windowMs) that could hold the most: one starting at an admitted call.
        for (const first of admitted) {
          expect(sum(admitted.filter((c) => c.at >= first.at && c.at < first.at + windowMs))).toBeLessThanOrEqual(limit);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('20 an hour means 20 in any hour: no burst of 39 across what used to be a window boundary', async () => {
    const HOUR = 3_600_000;
    let now = 0;
    const store = new MemoryLimitStore(() => now);
    expect((await store.consume('bg', 1, 20, HOUR)).allowed).toBe(true); // one early call
    now = HOUR - 60_000;
    for (let i = 0; i < 19; i++) expect((await store.consume('bg', 1, 20, HOUR)).allowed).toBe(true); // 19 at minute 59
    now = HOUR + 1; // the early call has left; a fixed window would now admit 20 more
    expect((await store.consume('bg', 1, 20, HOUR)).allowed).toBe(true);
    const refused = await store.consume('bg', 1, 20, HOUR);
    expect(refused).toEqual({ allowed: false, used: 20, retryInMs: HOUR - 60_000 + HOUR - now }); // when the oldest of the 19 turns an hour old
  });

  it('a cost larger than the whole limit is refused with the full window, and counts nothing', async () => {
    const store = new MemoryLimitStore(() => 0);
    expect(await store.consume('k', 11, 10, 60_000)).toEqual({ allowed: false, used: 0, retryInMs: 60_000 });
    expect(await store.consume('k', 10, 10, 60_000)).toEqual({ allowed: true, used: 10, retryInMs: 0 });
  });

  it('keeps memory bounded: windows and grants with nothing live are swept', async () => {
    let now = 0;
    const store = new MemoryLimitStore(() => now);
    for (let i = 0; i < 100; i++) await store.consume(`k${i}`, 1, 5, 1_000);
    await store.putIfAbsent('grant', 'g', 1_000);
    expect(store.size).toBe(101);
    now = 61_000;
    await store.consume('fresh', 1, 5, 1_000);
    expect(store.size).toBe(1);
  });
});
