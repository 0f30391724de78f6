import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GroupCommit, GroupCommitClosedError, GroupCommitTimeoutError } from '../../../src/common/batching/group-commit.js';

/** A commit function that records its batches and can be held open or made to fail. */
function recorder<T>(behaviour: { fail?: (items: readonly T[]) => boolean; hold?: boolean } = {}) {
  const batches: T[][] = [];
  const releases: (() => void)[] = [];
  let running = 0;
  let maxRunning = 0;
  const commit = async (items: readonly T[]) => {
    batches.push([...items]);
    running += 1;
    maxRunning = Math.max(maxRunning, running);
    try {
      if (behaviour.hold) await new Promise<void>((resolve) => releases.push(resolve));
      else await Promise.resolve();
      if (behaviour.fail?.(items)) throw new Error('batch failed');
      return items.map((item) => `committed ${String(item)}`);
    } finally {
      running -= 1;
    }
  };
  return { commit, batches, releaseNext: () => releases.shift()?.(), maxRunning: () => maxRunning };
}

describe('GroupCommit', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('commits items submitted within the window as one batch, each caller getting its own result', async () => {
    const { commit, batches } = recorder<number>();
    const group = new GroupCommit(commit, { windowMs: 20, maxBatch: 100 });
    const results = await Promise.all([1, 2, 3, 4].map((item) => group.submit(item)));
    expect(results).toEqual(['committed 1', 'committed 2', 'committed 3', 'committed 4']);
    expect(batches).toEqual([[1, 2, 3, 4]]);
  });

  it('starts a batch as soon as it is full, without waiting for the window', async () => {
    vi.useFakeTimers();
    const { commit, batches } = recorder<number>();
    const group = new GroupCommit(commit, { windowMs: 60_000, maxBatch: 3 });
    const settled = [1, 2, 3].map((item) => group.submit(item));
    await expect(Promise.all(settled)).resolves.toHaveLength(3);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('waits for the window when the batch is not full', async () => {
    vi.useFakeTimers();
    const { commit, batches } = recorder<number>();
    const group = new GroupCommit(commit, { windowMs: 50, maxBatch: 10 });
    const pending = group.submit(1);
    await vi.advanceTimersByTimeAsync(49);
    expect(batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await expect(pending).resolves.toBe('committed 1');
  });

  it('fails every item of a failed batch, and only those', async () => {
    const { commit, batches } = recorder<number>({ fail: (items) => items.includes(13) });
    const group = new GroupCommit(commit, { windowMs: 5, maxBatch: 3 });
    const outcomes = await Promise.allSettled([11, 12, 13, 14, 15, 16].map((item) => group.submit(item)));
    expect(batches).toEqual([
      [11, 12, 13],
      [14, 15, 16],
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
  });

  it('fails the batch when the commit answers a different number of results', async () => {
    const group = new GroupCommit(async (items: readonly number[]) => items.slice(1), { windowMs: 0, maxBatch: 10 });
    const outcomes = await Promise.allSettled([group.submit(1), group.submit(2)]);
    expect(outcomes.every((outcome) => outcome.status === 'rejected')).toBe(true);
  });

  it('fails the batch when the commit throws synchronously', async () => {
    const group = new GroupCommit<number, number>(
      () => {
        throw new Error('sync');
      },
      { windowMs: 0, maxBatch: 10 },
    );
    await expect(group.submit(1)).rejects.toThrow('sync');
  });

  it('runs one batch at a time; what arrives meanwhile goes out next, as soon as the running one ends', async () => {
    const { commit, batches, releaseNext, maxRunning } = recorder<number>({ hold: true });
    const group = new GroupCommit(commit, { windowMs: 0, maxBatch: 100 });
    const first = group.submit(1);
    await vi.waitFor(() => expect(batches).toHaveLength(1));
    const later = [2, 3, 4].map((item) => group.submit(item));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(batches).toHaveLength(1);
    releaseNext();
    await first;
    await vi.waitFor(() => expect(batches).toHaveLength(2));
    expect(batches[1]).toEqual([2, 3, 4]);
    releaseNext();
    await Promise.all(later);
    expect(maxRunning()).toBe(1);
  });

  it('close() commits everything already submitted, then refuses new items', async () => {
    vi.useFakeTimers();
    const { commit, batches } = recorder<number>();
    const group = new GroupCommit(commit, { windowMs: 60_000, maxBatch: 100 });
    const pending = [group.submit(1), group.submit(2)];
    await group.close();
    await expect(Promise.all(pending)).resolves.toEqual(['committed 1', 'committed 2']);
    expect(batches).toEqual([[1, 2]]);
    await expect(group.submit(3)).rejects.toBeInstanceOf(GroupCommitClosedError);
    await group.close();
  });

  it('rejects nonsensical options', () => {
    const commit = async (items: readonly number[]) => items;
    expect(() => new GroupCommit(commit, { windowMs: -1, maxBatch: 1 })).toThrow(RangeError);
    expect(() => new GroupCommit(commit, { windowMs: 0, maxBatch: 0 })).toThrow(RangeError);
    expect(() => new GroupCommit(commit, { windowMs: 0, maxBatch: 1, maxInFlight: 0 })).toThrow(RangeError);
    expect(() => new GroupCommit(commit, { windowMs: 0, maxBatch: 1, deadlineMs: 0 })).toThrow(RangeError);
    expect(() => new GroupCommit(commit, { windowMs: 0, maxBatch: 1, deadlineMs: 2.5 })).toThrow(RangeError);
  });

  describe('with a deadline (fail closed instead of waiting forever)', () => {
    it('an item still queued at its deadline is taken out of the queue and never committed', async () => {
      vi.useFakeTimers();
      const { commit, batches, releaseNext } = recorder<number>({ hold: true });
      const group = new GroupCommit(commit, { windowMs: 0, maxBatch: 1, deadlineMs: 1000 });
      const outcomes = [group.submit(1)].map((pending) => pending.catch((error: unknown) => error));
      await vi.advanceTimersByTimeAsync(1);
      expect(batches).toEqual([[1]]);
      outcomes.push(...[group.submit(2), group.submit(3)].map((pending) => pending.catch((error: unknown) => error)));
      // At 1000 ms item 1 times out and its hung batch is abandoned, so item 2 goes out; item 3 is still queued.
      await vi.advanceTimersByTimeAsync(999);
      expect(batches).toEqual([[1], [2]]);
      expect(group.waiting).toBe(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(group.waiting).toBe(0);
      for (const outcome of await Promise.all(outcomes)) expect(outcome).toBeInstanceOf(GroupCommitTimeoutError);
      releaseNext();
      releaseNext(); // the hung batches end at last: their late results reach nobody
      await vi.advanceTimersByTimeAsync(10);
      expect(batches).toEqual([[1], [2]]);
    });

    it('a batch still running at the deadline is abandoned: it no longer holds back what is submitted later', async () => {
      vi.useFakeTimers();
      let call = 0;
      const never = new Promise<string[]>(() => undefined);
      const group = new GroupCommit(
        (items: readonly number[]) => {
          call += 1;
          return call === 1 ? never : Promise.resolve(items.map((item) => `committed ${item}`));
        },
        { windowMs: 0, maxBatch: 10, deadlineMs: 500 },
      );
      const hung = group.submit(1).catch((error: unknown) => error);
      await vi.advanceTimersByTimeAsync(501);
      expect(await hung).toBeInstanceOf(GroupCommitTimeoutError);
      const later = group.submit(2);
      await vi.advanceTimersByTimeAsync(1);
      await expect(later).resolves.toBe('committed 2');
      expect(call).toBe(2);
      await expect(group.close()).resolves.toBeUndefined(); // the abandoned batch does not keep close() waiting
    });

    it('an item committed in time is answered normally and leaves no timer behind', async () => {
      vi.useFakeTimers();
      const { commit } = recorder<number>();
      const group = new GroupCommit(commit, { windowMs: 5, maxBatch: 10, deadlineMs: 1000 });
      const pending = [group.submit(1), group.submit(2)];
      await vi.advanceTimersByTimeAsync(5);
      await expect(Promise.all(pending)).resolves.toEqual(['committed 1', 'committed 2']);
      expect(vi.getTimerCount()).toBe(0);
    });

    it('a batch failing before the deadline rejects with its own error, not a timeout', async () => {
      const { commit } = recorder<number>({ fail: () => true });
      const group = new GroupCommit(commit, { windowMs: 0, maxBatch: 10, deadlineMs: 60_000 });
      await expect(group.submit(1)).rejects.toThrow('batch failed');
    });

    it('property: every item settles once, by its deadline; one that timed out while queued never reaches a batch', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ gap: fc.nat({ max: 40 }), commitMs: fc.oneof(fc.nat({ max: 30 }), fc.constant(Number.POSITIVE_INFINITY)) }), { minLength: 1, maxLength: 30 }),
          fc.integer({ min: 1, max: 5 }),
          fc.integer({ min: 1, max: 2 }),
          async (plan, maxBatch, maxInFlight) => {
            vi.useFakeTimers();
            const deadlineMs = 50;
            const committed: number[] = [];
            const batchStartedAt = new Map<number, number>();
            // Each batch takes the commit time planned for its first item; Infinity hangs for good.
            const group = new GroupCommit(
              async (items: readonly number[]) => {
                for (const item of items) batchStartedAt.set(item, Date.now());
                const commitMs = plan[items[0]].commitMs;
                if (commitMs === Number.POSITIVE_INFINITY) await new Promise(() => undefined);
                await new Promise((resolve) => setTimeout(resolve, commitMs));
                committed.push(...items);
                return items.map((item) => item * 10);
              },
              { windowMs: 2, maxBatch, maxInFlight, deadlineMs },
            );
            const outcomes: { index: number; submittedAt: number; settledAt?: number; value?: number; error?: unknown }[] = [];
            for (const [index, { gap }] of plan.entries()) {
              await vi.advanceTimersByTimeAsync(gap);
              const outcome: (typeof outcomes)[number] = { index, submittedAt: Date.now() };
              outcomes.push(outcome);
              group.submit(index).then(
                (value) => Object.assign(outcome, { value, settledAt: Date.now() }),
                (error: unknown) => Object.assign(outcome, { error, settledAt: Date.now() }),
              );
            }
            await vi.advanceTimersByTimeAsync(deadlineMs + 100);
            for (const outcome of outcomes) {
              expect(outcome.settledAt).toBeDefined();
              expect((outcome.settledAt as number) - outcome.submittedAt).toBeLessThanOrEqual(deadlineMs);
              if (outcome.error === undefined) {
                expect(outcome.value).toBe(outcome.index * 10);
                expect(committed).toContain(outcome.index);
              } else {
                if (!(outcome.error instanceof GroupCommitTimeoutError)) throw outcome.error;
                // Timed out: either it never reached a batch, or its batch had started before it timed out.
                const startedAt = batchStartedAt.get(outcome.index);
                if (startedAt !== undefined) expect(startedAt).toBeLessThanOrEqual(outcome.settledAt as number);
              }
            }
            expect(new Set(committed).size).toBe(committed.length);
            vi.useRealTimers();
          },
        ),
        { numRuns: 60 },
      );
    });
  });

  it('property: every item settles exactly once with its own result, batches respect the size and the order is kept', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat({ max: 3 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 1, max: 3 }),
        async (delays, maxBatch, windowMs, maxInFlight) => {
          const batches: number[][] = [];
          const group = new GroupCommit(
            async (items: readonly number[]) => {
              batches.push([...items]);
              await new Promise((resolve) => setTimeout(resolve, items.length % 3));
              return items.map((item) => item * 10);
            },
            { windowMs, maxBatch, maxInFlight },
          );
          const results: Promise<number>[] = [];
          for (const [index, delay] of delays.entries()) {
            if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay - 1));
            results.push(group.submit(index));
          }
          expect(await Promise.all(results)).toEqual(delays.map((_, index) => index * 10));
          expect(batches.every((batch) => batch.length >= 1 && batch.length <= maxBatch)).toBe(true);
          expect(batches.flat()).toEqual(delays.map((_, index) => index));
          await group.close();
        },
      ),
      { numRuns: 40 },
    );
  });
});
