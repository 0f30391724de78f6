import type { Principal } from '../auth/principal.js';
import { operationEvent } from './audit-actor.js';
import type { AuditEventDraft } from './audit-event.js';

/**
 * What a key-lifecycle event's `details.operation` names: a data-key rotation, a re-encryption job started or
 * finished, a master-key re-wrap, or an administrator reading the key status or a job's progress.
 */
export type KeyOperation = 'rotate' | 'reencrypt' | 'reencrypt_finished' | 'rewrap' | 'list_keys' | 'read_job';

/**
 * A key-lifecycle audit event (`rotate` is the contract's action for all of them; `details.operation` says
 * which). Details hold versions, key ids, job ids and counts, never a key or a value. `actor` null: the vault
 * acting on its own (SYSTEM_ACTOR). The caller's client certificate subject (mutual TLS) is recorded when there
 * is one.
 */
export function keyEventDraft(actor: Principal | null, operation: KeyOperation, details: Readonly<Record<string, unknown>> = {}): AuditEventDraft {
  return operationEvent(actor, 'rotate', { operation, ...details });
}
