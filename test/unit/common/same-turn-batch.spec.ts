import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SameTurnBatch } from '../../../src/common/batching/same-turn-batch.js';

/** A flush that answers each item with its double and records the calls it got. */
function doubling() {
  const calls: number[][] = [];
  const batch = (maxItems: number) =>
    new SameTurnBatch<number, number>(async (items) => {
      calls.push(items);
      return items.map((item) => item * 2);
    }, maxItems);
  return { calls, batch };
}

describe('SameTurnBatch', () => {
  it('sends the calls of one turn as one flush and gives each caller its own results', async () => {
    const { calls, batch } = doubling();
    const reads = batch(100);
    const [a, b, c] = await Promise.all([reads.run([1, 2]), reads.run([3]), reads.run([4, 5, 6])]);
    expect([a, b, c]).toEqual([[2, 4], [6], [8, 10, 12]]);
    expect(calls).toEqual([[1, 2, 3, 4, 5, 6]]);
  });

  it('sends calls of later turns in later flushes', async () => {
    const { calls, batch } = doubling();
    const reads = batch(100);
    await reads.run([1]);
    await reads.run([2]);
    expect(calls).toEqual([[1], [2]]);
  });

  it('splits a turn at maxItems without splitting a caller, even one bigger than the limit', async () => {
    const { calls, batch } = doubling();
    const reads = batch(3);
    const results = await Promise.all([reads.run([1, 2]), reads.run([3, 4]), reads.run([5, 6, 7, 8]), reads.run([9])]);
    expect(results).toEqual([[2, 4], [6, 8], [10, 12, 14, 16], [18]]);
    expect(calls).toEqual([[1, 2], [3, 4], [5, 6, 7, 8], [9]]);
  });

  it('rejects every caller of a failed flush, and only those', async () => {
    let call = 0;
    const reads = new SameTurnBatch<number, number>(async (items) => {
      call += 1;
      if (call === 1) throw new Error('store unreachable');
      return items;
    }, 2);
    const outcomes = await Promise.allSettled([reads.run([1, 2]), reads.run([3])]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'fulfilled']);
    expect((outcomes[0] as PromiseRejectedResult).reason).toEqual(new Error('store unreachable'));
  });

  it('rejects the callers when the flush throws at once or answers the wrong number of results', async () => {
    const throwing = new SameTurnBatch<number, number>(() => {
      throw new Error('bad call');
    }, 10);
    await expect(throwing.run([1])).rejects.toThrow('bad call');
    const short = new SameTurnBatch<number, number>(async () => [1], 10);
    await expect(Promise.all([short.run([1]), short.run([2])])).rejects.toThrow('flush returned 1 results for 2 items');
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new SameTurnBatch(async () => [], 0)).toThrow(RangeError);
    expect(() => new SameTurnBatch(async () => [], 1.5)).toThrow(RangeError);
  });

  it('answers every caller with exactly its own items, whatever the sizes and the limit', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(fc.integer(), { maxLength: 8 }), { minLength: 1, maxLength: 20 }), fc.integer({ min: 1, max: 10 }), async (groups, maxItems) => {
        const { calls, batch } = doubling();
        const reads = batch(maxItems);
        const results = await Promise.all(groups.map((items) => reads.run(items)));
        expect(results).toEqual(groups.map((items) => items.map((item) => item * 2)));
        expect(calls.flat()).toEqual(groups.flat());
        for (const items of calls) expect(items.length <= maxItems || groups.some((g) => g.length === items.length && g.length > maxItems)).toBe(true);
      }),
    );
  });
});
