import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditDraftArbitrary } from '../../support/audit-drafts.js';
import type { AuditEvent, AuditEventDraft } from '../../../src/audit/audit-event.js';
import { batchJson, unchainedEvent } from '../../../src/audit/audit.repository.js';
import { canonicalEvent } from '../../../src/audit/chain.js';

const unchainedOf = (draft: AuditEventDraft, index: number) =>
  unchainedEvent({ ...draft, id: randomUUID(), at: new Date(1_700_000_000_000 + index) });

describe("audit_append's batch, built from rows each caller serialized", () => {
  it('property: the batch is the rows in order, each with its 1-based position n and every column of its event', () => {
    fc.assert(
      fc.property(fc.array(auditDraftArbitrary, { maxLength: 8 }), (drafts) => {
        const events = drafts.map(unchainedOf);
        const batch = JSON.parse(batchJson(events)) as Record<string, unknown>[];
        expect(batch).toHaveLength(events.length);
        batch.forEach((row, index) => {
          const { event } = events[index];
          expect(row).toEqual(
            JSON.parse(
              JSON.stringify({
                n: index + 1,
                id: event.id,
                at: event.at.toISOString(),
                actor_sub: event.actor.sub,
                actor_roles: event.actor.roles,
                actor_client_id: event.actor.clientId,
                action: event.action,
                purpose: event.purpose,
                justification: event.justification,
                break_glass: event.breakGlass,
                tokens: event.tokens,
                token_keys: event.tokenKeys,
                outcome: event.outcome,
                details: event.details,
                canonical_before_seq: row.canonical_before_seq,
                canonical_after_seq: row.canonical_after_seq,
              }),
            ),
          );
        });
      }),
    );
  });

  it('property: each row carries the canonical encoding around the seq, as the database completes it', () => {
    fc.assert(
      fc.property(auditDraftArbitrary, fc.bigInt({ min: 1n, max: 2n ** 63n - 1n }), (draft, seq) => {
        const prepared = unchainedOf(draft, 0);
        const [row] = JSON.parse(batchJson([prepared])) as { canonical_before_seq: string; canonical_after_seq: string }[];
        const event: AuditEvent = { ...prepared.event, seq };
        expect(`${row.canonical_before_seq}${seq}${row.canonical_after_seq}`).toBe(canonicalEvent(event));
      }),
    );
  });

  it('an empty batch is an empty array', () => {
    expect(batchJson([])).toBe('[]');
  });
});
