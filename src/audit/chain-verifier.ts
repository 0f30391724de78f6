import type { ChainedAuditEvent } from './audit-event.js';
import { chainHash, GENESIS_HASH } from './chain.js';

/**
 * Why a chain does not verify, at the first seq where it shows:
 * - `seq_gap`: the seq is missing (events removed, or the first events of the log);
 * - `prev_hash_mismatch`: the event does not link to the one stored before it (that one was removed,
 *   replaced or moved, or this event's link was edited);
 * - `hash_mismatch`: the event's content no longer matches its own hash (it was edited);
 * - `head_mismatch`: the chain verifies on its own but its hash at the anchored seq is not the exported head
 *   (the events up to there were rewritten, hashes recomputed);
 * - `truncated`: fewer events than the anchor says existed (the tail was removed).
 */
export type ChainBreakReason = 'seq_gap' | 'prev_hash_mismatch' | 'hash_mismatch' | 'head_mismatch' | 'truncated';

export interface ChainBreak {
  readonly brokenAt: bigint;
  readonly reason: ChainBreakReason;
}

/** A head exported earlier: `events` events existed, the last one hashing to `head` (when given). */
export interface ChainAnchor {
  readonly events: bigint;
  readonly head?: Buffer;
}

export type ChainVerdict =
  | { readonly valid: true; readonly events: bigint; readonly head: Buffer }
  | ({ readonly valid: false } & ChainBreak);

/**
 * Checks a chain fed to it in seq order, one page at a time, holding only the last link: the whole log is
 * never in memory. Stored hashes are trusted as links only after they are recomputed from the content.
 */
export class ChainVerifier {
  private expectedSeq = 1n;
  private prevHash: Buffer = GENESIS_HASH;
  private broken: ChainBreak | null = null;

  constructor(private readonly anchor: ChainAnchor | null = null) {}

  /** Feeds the next stored event; returns the first break once found (later events are then ignored). */
  push(event: ChainedAuditEvent): ChainBreak | null {
    if (this.broken !== null) return this.broken;
    this.broken = this.check(event);
    if (this.broken === null) {
      this.prevHash = event.hash;
      this.expectedSeq += 1n;
    }
    return this.broken;
  }

  get isBroken(): boolean {
    return this.broken !== null;
  }

  /** The verdict once every stored event was fed. */
  finish(): ChainVerdict {
    if (this.broken !== null) return { valid: false, ...this.broken };
    const events = this.expectedSeq - 1n;
    if (this.anchor !== null && events < this.anchor.events) return { valid: false, brokenAt: events + 1n, reason: 'truncated' };
    return { valid: true, events, head: this.prevHash };
  }

  private check(event: ChainedAuditEvent): ChainBreak | null {
    const seq = this.expectedSeq;
    if (event.seq !== seq) return { brokenAt: seq, reason: 'seq_gap' };
    if (!event.prevHash.equals(this.prevHash)) return { brokenAt: seq, reason: 'prev_hash_mismatch' };
    if (!chainHash(event.prevHash, event).equals(event.hash)) return { brokenAt: seq, reason: 'hash_mismatch' };
    if (this.anchor?.head !== undefined && seq === this.anchor.events && !event.hash.equals(this.anchor.head)) {
      return { brokenAt: seq, reason: 'head_mismatch' };
    }
    return null;
  }
}
