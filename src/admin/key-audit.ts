import type { AuditActor, AuditEventDraft } from '../audit/audit-event.js';
import type { Principal } from '../auth/principal.js';

/** The actor of events the vault records on its own (a re-encryption job finishing, a master-key re-wrap). */
export const SYSTEM_ACTOR: AuditActor = { sub: 'phi-vault', roles: [], clientId: null };

/**
 * A key-lifecycle audit event (`rotate` is the contract's action for all of them; `details.operation` says
 * which). Details hold versions, job ids and counts, never a key or a value. The caller's client certificate
 * subject (mutual TLS) is recorded when there is one.
 */
export function keyEventDraft(actor: Principal | null, details: Readonly<Record<string, unknown>>): AuditEventDraft {
  const certificate = actor?.clientCertSubject ?? null;
  return {
    actor: actor === null ? SYSTEM_ACTOR : { sub: actor.sub, roles: actor.roles, clientId: actor.clientId },
    action: 'rotate',
    purpose: null,
    justification: null,
    breakGlass: false,
    tokens: [],
    tokenKeys: [],
    outcome: 'allowed',
    details: certificate === null ? details : { ...details, clientCertSubject: certificate },
  };
}
