import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GroupCommit, GroupCommitClosedError } from '../../../src/common/batching/group-commit.js';

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
