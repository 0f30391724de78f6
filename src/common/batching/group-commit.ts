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
 * - With `deadlineMs`, every item settles within that long of its submission. One still queued then is
 *   taken out of the queue (it is never committed) and rejects with GroupCommitTimeoutError. One whose batch
 *   is still running then rejects with it too, although that batch may still commit afterwards: its
 *   submitter must treat the item as failed, never as committed (fail closed; the store may hold more than
 *   the callers were told, never less); `commitBatch` gets the time left to its oldest item's deadline, to
 *   give up by then. A batch still running `deadlineMs` after it started is abandoned:
 *   it stops counting against `maxInFlight`, so nothing submitted later waits behind it.
 * - After `close()` begins, `submit` rejects with GroupCommitClosedError; everything submitted before is
 *   still committed (or times out), and `close()` resolves once no batch is running (abandoned ones no
 *   longer count).
 */
export interface GroupCommitOptions {
  /** How long an idle queue's first item waits for company, in milliseconds (0: the next timer turn). */
  readonly windowMs: number;
  /** The most items in one batch. */
  readonly maxBatch: number;
  /** The most batches running at once; 1 (the default) keeps batches in submission order. */
  readonly maxInFlight?: number;
  /** The longest an item may wait, from submission to commit, in milliseconds; none by default. */
  readonly deadlineMs?: number;
}

/** What a batch knows when it starts. */
export interface BatchBudget {
  /**
   * With `deadlineMs`: how long until the earliest deadline among the batch's items (> 0). Past it that item is
   * answered with a timeout whatever the batch does, so a commit should give up by then rather than commit
   * events nobody waits for any more. null without a deadline.
   */
  readonly remainingMs: number | null;
}

export type CommitBatch<Item, Result> = (items: readonly Item[], budget: BatchBudget) => Promise<readonly Result[]>;

export class GroupCommitClosedError extends Error {
  constructor() {
    super('the group commit is closed: it is shutting down');
    this.name = 'GroupCommitClosedError';
  }
}

/** The item was not known to be committed within the deadline. It may or may not be committed later. */
export class GroupCommitTimeoutError extends Error {
  constructor(deadlineMs: number) {
    super(`the item was not committed within ${deadlineMs} ms`);
    this.name = 'GroupCommitTimeoutError';
  }
}

interface Waiter<Item, Result> {
  readonly item: Item;
  /** performance.now() at submission. */
  readonly submittedAt: number;
  /** Both settle the waiter's promise at most once, whichever comes first. */
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
    if (options.deadlineMs !== undefined && (!Number.isInteger(options.deadlineMs) || options.deadlineMs < 1)) {
      throw new RangeError('deadlineMs must be an integer >= 1');
    }
  }

  /** Resolves with this item's result once its batch committed; rejects with the batch's error otherwise. */
  submit(item: Item): Promise<Result> {
    if (this.closed) return Promise.reject(new GroupCommitClosedError());
    return new Promise<Result>((resolve, reject) => {
      this.queue.push(this.waiterFor(item, resolve, reject));
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

  private waiterFor(item: Item, resolve: (result: Result) => void, reject: (error: unknown) => void): Waiter<Item, Result> {
    const deadlineMs = this.options.deadlineMs;
    let settled = false;
    let expiry: NodeJS.Timeout | undefined;
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(expiry);
      finish();
    };
    const waiter: Waiter<Item, Result> = {
      item,
      submittedAt: performance.now(),
      resolve: (result) => settle(() => resolve(result)),
      reject: (error) => settle(() => reject(error)),
    };
    if (deadlineMs !== undefined) {
      expiry = setTimeout(() => {
        const queued = this.queue.indexOf(waiter);
        if (queued >= 0) this.queue.splice(queued, 1);
        waiter.reject(new GroupCommitTimeoutError(deadlineMs));
        if (queued >= 0) this.pump();
      }, deadlineMs);
    }
    return waiter;
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
    let holdsSlot = true;
    const releaseSlot = () => {
      if (!holdsSlot) return;
      holdsSlot = false;
      this.inFlight -= 1;
      // Natural batching: whatever arrived while this batch ran has waited long enough.
      if (this.queue.length > 0) this.due = true;
      this.pump();
    };
    // Every item of the batch was submitted before it started, so by then each has passed its own deadline.
    const abandon = this.options.deadlineMs === undefined ? undefined : setTimeout(releaseSlot, this.options.deadlineMs);
    const deadlineMs = this.options.deadlineMs;
    const budget: BatchBudget = {
      // The first waiter is the oldest: the queue is in submission order.
      remainingMs: deadlineMs === undefined ? null : Math.max(1, Math.ceil(batch[0].submittedAt + deadlineMs - performance.now())),
    };
    try {
      const results = await this.commitBatch(
        batch.map((waiter) => waiter.item),
        budget,
      );
      if (results.length !== batch.length) throw new Error(`commitBatch returned ${results.length} results for ${batch.length} items`);
      batch.forEach((waiter, index) => waiter.resolve(results[index]));
    } catch (error) {
      for (const waiter of batch) waiter.reject(error);
    } finally {
      clearTimeout(abandon);
      releaseSlot();
    }
  }

  private clearTimer(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }
}
