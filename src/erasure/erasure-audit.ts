import { actorOf, SYSTEM_ACTOR, withCallerDetails } from '../audit/audit-actor.js';
import type { AuditEventDraft } from '../audit/audit-event.js';
import type { Principal } from '../auth/principal.js';
import type { ErasureRequest } from './dto/erasure-request.dto.js';
import type { ErasableToken } from './erasure.repository.js';

/**
 * The `delete` audit events. They list the tokens erased (tokens, never values) with their token keys, so
 * `GET /v1/audit/events?token=` still finds the erasure of a token after its row became a tombstone.
 * Patient references go in details, as detokenize records them: the log is the proof of who erased what.
 */

/** `DELETE /v1/tokens/{token}`: the token as the caller presented it. */
export function tokenErasureDraft(principal: Principal, request: ErasureRequest, presented: string, erased: ErasableToken): AuditEventDraft {
  return {
    ...requestedBy(principal, request),
    tokens: [presented],
    tokenKeys: [erased.tokenKey],
    details: withCallerDetails(principal, {
      reason: 'request',
      erased: 1,
      patientRefs: erased.patientRef === null ? [] : [erased.patientRef],
    }),
  };
}

/** One batch of `DELETE /v1/patients/{patientRef}/tokens` (batch counts from 1; a patient with no tokens is batch 1 of none). */
export function patientErasureDraft(
  principal: Principal,
  request: ErasureRequest,
  patientRef: string,
  batch: number,
  erased: readonly ErasableToken[],
): AuditEventDraft {
  return {
    ...requestedBy(principal, request),
    tokens: erased.map((row) => row.token),
    tokenKeys: erased.map((row) => row.tokenKey),
    details: withCallerDetails(principal, { reason: 'request', erased: erased.length, patientRef, batch }),
  };
}

/** One batch of the purge job, recorded by the vault itself. */
export function expiryPurgeDraft(erased: readonly ErasableToken[]): AuditEventDraft {
  return {
    actor: SYSTEM_ACTOR,
    action: 'delete',
    purpose: null,
    justification: null,
    breakGlass: false,
    tokens: erased.map((row) => row.token),
    tokenKeys: erased.map((row) => row.tokenKey),
    outcome: 'allowed',
    details: { reason: 'expired', erased: erased.length },
  };
}

function requestedBy(principal: Principal, request: ErasureRequest): Pick<AuditEventDraft, 'actor' | 'action' | 'purpose' | 'justification' | 'breakGlass' | 'outcome'> {
  return {
    actor: actorOf(principal),
    action: 'delete',
    purpose: request.purpose,
    justification: request.justification,
    breakGlass: false,
    outcome: 'allowed',
  };
}
