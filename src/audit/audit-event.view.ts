import type { AuditOutcome, ReviewStatus, StoredAuditEvent } from './audit-event.js';

/**
 * An event as the compliance API shows it (CONTRACT section 6), plus `details` (an extension): what a
 * reviewer needs to judge the event, e.g. for a detokenize the reveal counts, the patientRefs touched, the
 * break-glass episodes, the reason a call was refused, the limits that failed open. Built from stored rows;
 * never hashed. Details hold what every writer of an event promises (AuditEventDraft): counts, levels,
 * references, names and codes, never a value; they are shown as recorded, as the export shows them.
 */
export interface AuditEventView {
  readonly id: string;
  readonly seq: number;
  readonly at: string;
  readonly actor: { readonly sub: string; readonly roles: readonly string[]; readonly clientId: string | null };
  readonly action: string;
  readonly purpose: string | null;
  readonly justification: string | null;
  readonly breakGlass: boolean;
  readonly tokens: readonly string[];
  readonly outcome: AuditOutcome;
  readonly review: ReviewView | null;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface ReviewView {
  readonly status: ReviewStatus;
  readonly reviewer: string | null;
  readonly note: string | null;
  readonly at: string | null;
}

/** A review decision if one was made; `pending` for an unreviewed break-glass event; otherwise null. */
export function toEventView(event: StoredAuditEvent): AuditEventView {
  const review: ReviewView | null =
    event.review !== null
      ? { status: event.review.status, reviewer: event.review.reviewer, note: event.review.note, at: event.review.at.toISOString() }
      : event.breakGlass
        ? { status: 'pending', reviewer: null, note: null, at: null }
        : null;
  return {
    id: event.id,
    seq: Number(event.seq),
    at: event.at.toISOString(),
    actor: { sub: event.actor.sub, roles: event.actor.roles, clientId: event.actor.clientId },
    action: event.action,
    purpose: event.purpose,
    justification: event.justification,
    breakGlass: event.breakGlass,
    tokens: event.tokens,
    outcome: event.outcome,
    review,
    details: event.details,
  };
}
