/** What the vault records. Events hold tokens, never values. */
export const AUDIT_ACTIONS = ['tokenize', 'detokenize', 'delete', 'rotate'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number] | (string & {});
export type AuditOutcome = 'allowed' | 'partial' | 'denied';

export interface AuditActor {
  readonly sub: string;
  readonly roles: readonly string[];
  readonly clientId: string | null;
}

/** What a service submits; the log adds id, seq, time and the chain hashes. */
export interface AuditEventDraft {
  readonly actor: AuditActor;
  readonly action: AuditAction;
  readonly purpose: string | null;
  readonly justification: string | null;
  readonly breakGlass: boolean;
  readonly tokens: readonly string[];
  readonly tokenKeys: readonly string[];
  readonly outcome: AuditOutcome;
  /** Counts, reveal levels, patient references, policy names: never a value. */
  readonly details: Readonly<Record<string, unknown>>;
}

export interface AuditEvent extends AuditEventDraft {
  readonly id: string;
  readonly seq: bigint;
  /** When the caller asked for the event (the vault's clock): before its batch commits, by at most the append deadline. */
  readonly at: Date;
}

export interface ChainedAuditEvent extends AuditEvent {
  readonly prevHash: Buffer;
  readonly hash: Buffer;
}

/** A compliance officer's decision, recorded once per event. Reviews sit outside the hash chain. */
export const REVIEW_DECISIONS = ['approved', 'violation'] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];
/** `pending`: a break-glass event nobody has reviewed yet (derived, never stored). */
export type ReviewStatus = ReviewDecision | 'pending';

export interface AuditReview {
  readonly status: ReviewDecision;
  readonly reviewer: string;
  readonly note: string;
  readonly at: Date;
}

/** An event as stored, with its review decision if one was made. */
export interface StoredAuditEvent extends ChainedAuditEvent {
  readonly review: AuditReview | null;
}
