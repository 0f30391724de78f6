/**
 * Coalesces the calls made in one turn of the event loop into as few calls as possible: every `run(items)` made
 * before the loop's next check phase (setImmediate) goes, concatenated, to one `flush(allItems)`, and each caller
 * gets back its own slice of the results. For reads whose cost is mostly the round trip: the cache lookups of
 * every detokenize request that arrived in the same turn become one MGET, one socket write and one reply.
 *
 * Waiters are held in arrays, never in a Map or Set: a long-lived collection that every request passes through
 * keeps them alive through young collections (see SlotTable). ioredis's own auto-pipelining keeps one such Map.
 *
 * Invariants:
 * - A caller's items go to one `flush` call, in order, and it resolves with exactly their results, in order.
 * - A `flush` call holds at most `maxItems` items, unless one caller alone brought more.
 * - A `flush` that rejects, or returns a different number of results than it was given items, rejects every
 *   caller of that call with that error; callers of other calls are unaffected.
 */
export class SameTurnBatch<Item, Result> {
  private pending: Waiting<Item, Result>[] = [];

  constructor(
    private readonly flush: (items: Item[]) => Promise<readonly Result[]>,
    private readonly maxItems: number,
  ) {
    if (!Number.isInteger(maxItems) || maxItems < 1) throw new RangeError('maxItems must be an integer >= 1');
  }

  run(items: readonly Item[]): Promise<Result[]> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => this.flushPending());
      this.pending.push({ items, resolve, reject });
    });
  }

  private flushPending(): void {
    const waiting = this.pending;
    this.pending = [];
    let group: Waiting<Item, Result>[] = [];
    let count = 0;
    for (const waiter of waiting) {
      if (count > 0 && count + waiter.items.length > this.maxItems) {
        this.send(group, count);
        group = [];
        count = 0;
      }
      group.push(waiter);
      count += waiter.items.length;
    }
    if (group.length > 0) this.send(group, count);
  }

  private send(group: readonly Waiting<Item, Result>[], count: number): void {
    const items: Item[] = [];
    for (const waiter of group) for (const item of waiter.items) items.push(item);
    const settle = (results: readonly Result[]) => {
      if (results.length !== count) throw new Error(`flush returned ${results.length} results for ${count} items`);
      let offset = 0;
      for (const waiter of group) {
        waiter.resolve(results.slice(offset, offset + waiter.items.length));
        offset += waiter.items.length;
      }
    };
    let flushed: Promise<readonly Result[]>;
    try {
      flushed = this.flush(items);
    } catch (error) {
      flushed = Promise.reject(error);
    }
    flushed
      .then(settle)
      .catch((error: unknown) => {
        for (const waiter of group) waiter.reject(error);
      });
  }
}

interface Waiting<Item, Result> {
  readonly items: readonly Item[];
  readonly resolve: (results: Result[]) => void;
  readonly reject: (error: unknown) => void;
}
