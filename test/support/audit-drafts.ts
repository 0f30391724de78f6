import fc from 'fast-check';
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

/** Any draft the vault could record: for property tests of the chain and of the rows it sends. */
export const auditDraftArbitrary: fc.Arbitrary<AuditEventDraft> = fc.record({
  actor: fc.record({ sub: fc.string({ minLength: 1 }), roles: fc.array(fc.string()), clientId: fc.option(fc.string()) }),
  action: fc.constantFrom('tokenize', 'detokenize', 'delete', 'rotate'),
  purpose: fc.option(fc.constantFrom('treatment', 'payment', 'emergency')),
  justification: fc.option(fc.string()),
  breakGlass: fc.boolean(),
  tokens: fc.array(fc.string()),
  tokenKeys: fc.array(fc.string()),
  outcome: fc.constantFrom('allowed' as const, 'partial' as const, 'denied' as const),
  details: fc.dictionary(fc.string(), fc.jsonValue()) as fc.Arbitrary<Record<string, unknown>>,
});
