import type { AuditEventDraft } from '../../src/audit/audit-event.js';

/** A detokenize-like audit draft for tests that append through AuditLog directly; override any field. */
export function auditDraft(overrides: Partial<AuditEventDraft> = {}): AuditEventDraft {
  return {
    actor: { sub: 'svc-test', roles: ['service'], clientId: null },
    action: 'detokenize',
    purpose: 'operations',
    justification: 'nightly reconciliation run',
    breakGlass: false,
    tokens: [],
    tokenKeys: [],
    outcome: 'allowed',
    details: {},
    ...overrides,
  };
}
