import { actorOf, SYSTEM_ACTOR, withCallerDetails } from '../audit/audit-actor.js';
import type { AuditEventDraft } from '../audit/audit-event.js';
import type { Principal } from '../auth/principal.js';

/**
 * A key-lifecycle audit event (`rotate` is the contract's action for all of them; `details.operation` says
 * which). Details hold versions, job ids and counts, never a key or a value. The caller's client certificate
 * subject (mutual TLS) is recorded when there is one.
 */
export function keyEventDraft(actor: Principal | null, details: Readonly<Record<string, unknown>>): AuditEventDraft {
  return {
    actor: actor === null ? SYSTEM_ACTOR : actorOf(actor),
    action: 'rotate',
    purpose: null,
    justification: null,
    breakGlass: false,
    tokens: [],
    tokenKeys: [],
    outcome: 'allowed',
    details: withCallerDetails(actor, details),
  };
}
