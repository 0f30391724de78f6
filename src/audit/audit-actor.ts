import type { Principal } from '../auth/principal.js';
import type { AuditAction, AuditActor, AuditEventDraft, AuditOutcome } from './audit-event.js';

/** The actor of events the vault records on its own (a re-encryption job finishing, a purge, a master-key re-wrap). */
export const SYSTEM_ACTOR: AuditActor = { sub: 'phi-vault', roles: [], clientId: null };

/** Who an event names: the verified JWT's subject, roles and client, nothing else from the token. */
export function actorOf(principal: Principal): AuditActor {
  return { sub: principal.sub, roles: principal.roles, clientId: principal.clientId };
}

/**
 * An event's details with the caller's client certificate subject added when mutual TLS verified one, so every
 * event (not only key operations) ties the call to the machine as well as to the JWT's subject.
 */
export function withCallerDetails(principal: Principal | null, details: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  const certificate = principal?.clientCertSubject ?? null;
  // Object.assign, not `{ ...details, clientCertSubject }`: on Node 20's V8 that literal makes a new hidden class per call.
  return certificate === null ? details : Object.assign({}, details, { clientCertSubject: certificate });
}

/**
 * An event about an operation that reveals and touches no token (a key operation, a policy change, a
 * de-identification stream's summary): no purpose, no justification, no tokens. `principal` null: the vault
 * acting on its own (SYSTEM_ACTOR).
 */
export function operationEvent(
  principal: Principal | null,
  action: AuditAction,
  details: Readonly<Record<string, unknown>>,
  outcome: AuditOutcome = 'allowed',
): AuditEventDraft {
  return {
    actor: principal === null ? SYSTEM_ACTOR : actorOf(principal),
    action,
    purpose: null,
    justification: null,
    breakGlass: false,
    tokens: [],
    tokenKeys: [],
    outcome,
    details: withCallerDetails(principal, details),
  };
}
