/**
 * Group commit: items submitted one at a time by concurrent callers are handed to one `commitBatch` call
 * together, so many requests share one database transaction.
 *
 * When a batch starts: when the idle queue's first item has waited `windowMs`, or the queue holds
 * `maxBatch` items, or a running batch finishes with items waiting (they have already waited for it), or
 * on close. At most `maxInFlight` batches run at once; a batch holds at most `maxBatch` items.
 *
 * Invariants:
 * - Every submitted item settles exactly once: with its own result when its batch's `commitBatch` resolved
 *   (results[i] belongs to items[i]), or with that batch's error when it rejected. A batch is all or
 *   nothing; to fail items one by one, make `Result` a union and let each submitter unwrap its own.
 * - A `commitBatch` that returns a different number of results than it was given items fails its batch.
 * - After `close()` begins, `submit` rejects with GroupCommitClosedError; everything submitted before is
 *   still committed, and `close()` resolves once it has settled.
 */
export interface GroupCommitOptions {
  /** How long an idle queue's first item waits for company, in milliseconds (0: the next timer turn). */
  readonly windowMs: number;
  /** The most items in one batch. */
  readonly maxBatch: number;
  /** The most batches running at once; 1 (the default) keeps batches in submission order. */
  readonly maxInFlight?: number;
}

export type CommitBatch<Item, Result> = (items: readonly Item[]) => Promise<readonly Result[]>;

export class GroupCommitClosedError extends Error {
  constructor() {
    super('the group commit is closed: it is shutting down');
    this.name = 'GroupCommitClosedError';
  }
}

interface Waiter<Item, Result> {
  readonly item: Item;
  readonly resolve: (result: Result) => void;
  readonly reject: (error: unknown) => void;
}

export class GroupCommit<Item, Result> {
  private queue: Waiter<Item, Result>[] = [];
  /** The queued items should go out as soon as a batch slot is free. */
  private due = false;
  private timer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private closed = false;
  private drainWaiters: (() => void)[] = [];
  private readonly maxInFlight: number;

  constructor(
    private readonly commitBatch: CommitBatch<Item, Result>,
    private readonly options: GroupCommitOptions,
  ) {
    if (!Number.isInteger(options.windowMs) || options.windowMs < 0) throw new RangeError('windowMs must be an integer >= 0');
    if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1) throw new RangeError('maxBatch must be an integer >= 1');
    this.maxInFlight = options.maxInFlight ?? 1;
    if (!Number.isInteger(this.maxInFlight) || this.maxInFlight < 1) throw new RangeError('maxInFlight must be an integer >= 1');
  }

  /** Resolves with this item's result once its batch committed; rejects with the batch's error otherwise. */
  submit(item: Item): Promise<Result> {
    if (this.closed) return Promise.reject(new GroupCommitClosedError());
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.options.maxBatch) this.due = true;
      this.pump();
    });
  }

  /** Items waiting for a batch (not those in a running batch). */
  get waiting(): number {
    return this.queue.length;
  }

  /** Stops accepting items, commits every waiting one, and resolves when no batch is running. */
  close(): Promise<void> {
    this.closed = true;
    this.due = true;
    const drained = new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    this.pump();
    return drained;
  }

  private pump(): void {
    while (this.due && this.queue.length > 0 && this.inFlight < this.maxInFlight) {
      void this.run(this.queue.splice(0, this.options.maxBatch));
    }
    if (this.queue.length === 0) {
      this.due = false;
      this.clearTimer();
    } else if (!this.due && this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.due = true;
        this.pump();
      }, this.options.windowMs);
    }
    if (this.queue.length === 0 && this.inFlight === 0) {
      for (const resolve of this.drainWaiters.splice(0)) resolve();
    }
  }

  private async run(batch: readonly Waiter<Item, Result>[]): Promise<void> {
    this.inFlight += 1;
    try {
      const results = await this.commitBatch(batch.map((waiter) => waiter.item));
      if (results.length !== batch.length) throw new Error(`commitBatch returned ${results.length} results for ${batch.length} items`);
      batch.forEach((waiter, index) => waiter.resolve(results[index]));
    } catch (error) {
      for (const waiter of batch) waiter.reject(error);
    } finally {
      this.inFlight -= 1;
      // Natural batching: whatever arrived while this batch ran has waited long enough.
      if (this.queue.length > 0) this.due = true;
      this.pump();
    }
  }

  private clearTimer(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }
}
