import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEventDraft } from '../../src/audit/audit-event.js';
import { AuditLog } from '../../src/audit/audit-log.service.js';
import { AuditQueryRepository } from '../../src/audit/audit-query.repository.js';
import { AuditVerifyService } from '../../src/audit/audit-verify.service.js';
import { chainHash } from '../../src/audit/chain.js';
import { startTestVault, type TestVault } from '../support/vault.js';

/** Text PostgreSQL stores faithfully: any Unicode but NUL and unpaired surrogates (refused before storing). */
const text = fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => !s.includes('\u0000'));
const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.boolean(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), text, fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(text, tie('value'), { maxKeys: 3 })),
})).value;

const draftArbitrary: fc.Arbitrary<AuditEventDraft> = fc.record({
  actor: fc.record({ sub: text.filter((s) => s !== ''), roles: fc.array(text, { maxLength: 3 }), clientId: fc.option(text) }),
  action: fc.constantFrom('tokenize', 'detokenize', 'delete', 'rotate'),
  purpose: fc.option(fc.constantFrom('treatment', 'emergency')),
  justification: fc.option(text),
  breakGlass: fc.boolean(),
  tokens: fc.array(text, { maxLength: 3 }),
  tokenKeys: fc.array(text, { maxLength: 3 }),
  outcome: fc.constantFrom('allowed' as const, 'partial' as const, 'denied' as const),
  details: fc.dictionary(text, json, { maxKeys: 4 }) as fc.Arbitrary<Record<string, unknown>>,
});

/**
 * The database links events (audit_append) and the vault verifies them (chain.ts): the two must agree byte
 * for byte on any content, and an event read back must hash as it did when written.
 */
describe('chain links made by the database verify in the vault', () => {
  let vault: TestVault;
  beforeAll(async () => {
    vault = await startTestVault();
  });
  afterAll(async () => {
    await vault?.close();
  });

  it('property: any drafts, appended concurrently, read back as events whose stored hashes the vault recomputes', async () => {
    const audit = vault.app.get(AuditLog);
    const reader = vault.app.get(AuditQueryRepository);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(draftArbitrary, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 8 }), async (requests) => {
        const appended = await Promise.all(requests.map((drafts) => audit.append(drafts)));
        for (const [index, events] of appended.entries()) {
          expect(events.map((event) => event.actor.sub)).toEqual(requests[index].map((draft) => draft.actor.sub));
          const stored = await reader.chainPage(events[0].seq - 1n, events.length);
          for (const [offset, row] of stored.entries()) {
            expect(row.id).toBe(events[offset].id);
            expect(chainHash(row.prevHash, row).equals(row.hash)).toBe(true);
          }
        }
      }),
      { numRuns: 40 },
    );
    expect(await vault.app.get(AuditVerifyService).verify({})).toMatchObject({ valid: true });
  });
});
