import type { TokenType } from '../formats/format.js';
import type { TokenizeItem } from './dto/tokenize.dto.js';
import type { MetadataGrowth } from './token.repository.js';

/**
 * One value to store: a distinct value (deterministic mode: equal values of a request share a slot) or one
 * item (random mode). Pure planning, no I/O: the token writer decides which slots need a new row.
 */
export interface ValueSlot {
  readonly type: TokenType;
  readonly canonical: string;
  readonly layout: unknown;
  /** Deterministic mode only: the keyed fingerprint of (type, canonical), and its hex. */
  readonly fingerprint: Buffer | null;
  readonly fingerprintHex: string | null;
  patientRef: string | null;
  tags: string[];
  /** The latest expiry its items ask for; null (never expires) as soon as one item sets no ttl. */
  expiresAt: Date | null;
}

/** A request's slots, and for each item (in request order) the index of its slot. */
export interface SlotPlan {
  readonly slots: ValueSlot[];
  readonly slotOfItem: readonly number[];
}

/** The metadata a stored row holds, as far as re-tokenization may grow it. */
export interface RowMetadata {
  readonly patientRef: string | null;
  readonly tags: readonly string[];
  readonly expiresAt: Date | null;
}

/** `fingerprintOf` is null in random mode: every item gets a slot (and a token) of its own. */
export function planSlots(items: readonly TokenizeItem[], fingerprintOf: ((type: TokenType, canonical: string) => Buffer) | null, nowMs: number): SlotPlan {
  const slots: ValueSlot[] = [];
  const slotOfItem: number[] = [];
  const byFingerprint = new Map<string, number>();
  for (const item of items) {
    const fingerprint = fingerprintOf === null ? null : fingerprintOf(item.type, item.parsed.canonical);
    const fingerprintHex = fingerprint?.toString('hex') ?? null;
    const slot: ValueSlot = {
      type: item.type,
      canonical: item.parsed.canonical,
      layout: item.parsed.layout,
      fingerprint,
      fingerprintHex,
      patientRef: item.patientRef,
      tags: [...item.tags],
      expiresAt: item.ttlSeconds == null ? null : new Date(nowMs + item.ttlSeconds * 1000),
    };
    const known = fingerprintHex === null ? undefined : byFingerprint.get(fingerprintHex);
    if (known !== undefined) {
      mergeSlot(slots[known], slot);
      slotOfItem.push(known);
      continue;
    }
    if (fingerprintHex !== null) byFingerprint.set(fingerprintHex, slots.length);
    slotOfItem.push(slots.length);
    slots.push(slot);
  }
  return { slots, slotOfItem };
}

/** Folds `other` (the same value) into `target`: tags union, a missing patientRef filled in, the later expiry. */
export function mergeSlot(target: ValueSlot, other: RowMetadata): void {
  target.tags = [...new Set([...target.tags, ...other.tags])].sort();
  target.patientRef ??= other.patientRef;
  target.expiresAt = laterExpiry(target.expiresAt, other.expiresAt);
}

/** What storing `slot` again would add to an existing row; null when it adds nothing. */
export function growthOf(tokenKey: string, existing: RowMetadata, slot: RowMetadata): MetadataGrowth | null {
  const adds =
    (existing.patientRef === null && slot.patientRef !== null) ||
    slot.tags.some((tag) => !existing.tags.includes(tag)) ||
    laterExpiry(existing.expiresAt, slot.expiresAt) !== existing.expiresAt;
  return adds ? { tokenKey, patientRef: slot.patientRef, tags: slot.tags, expiresAt: slot.expiresAt } : null;
}

/**
 * Expiry only ever extends, as tags only grow: a value someone still needs stays available. null (never
 * expires) wins; otherwise the later instant. An expired, not yet purged row is revived this way.
 */
export function laterExpiry(a: Date | null, b: Date | null): Date | null {
  if (a === null || b === null) return null;
  return b > a ? b : a;
}
