import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../../src/audit/dto/audit-query.dto.js';
import { unstorablePath } from '../../../src/audit/storable-text.js';
import { auditDraft } from '../../support/audit-drafts.js';

describe('what an audit event may hold', () => {
  it('accepts ordinary Unicode, astral characters included', () => {
    expect(unstorablePath(auditDraft({ justification: 'Prüfung 检查 😷 ✓', details: { note: '𝔘𝔫𝔦' } }))).toBeNull();
  });

  it.each([
    [{ justification: 'before\u0000after' }, 'justification'],
    [{ tokens: ['ok', 'bad\ud800'] }, 'tokens[1]'],
    [{ details: { nested: { why: 'x\udc00y' } } }, 'details.nested.why'],
    [{ details: { 'k\u0000': 1 } }, 'details'],
    [{ details: { list: [[1, { a: 'x\u0000' }]] } }, 'details.list[0][1].a'],
  ])('refuses NUL and unpaired surrogates, naming where: %j', (overrides, path) => {
    expect(unstorablePath(auditDraft(overrides))).toBe(path);
  });
});

describe('paging cursor', () => {
  it('property: round-trips every seq and is opaque (not the bare number)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 2n ** 63n - 1n }), (seq) => {
        const cursor = encodeCursor(seq);
        expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(cursor).not.toBe(seq.toString());
        expect(decodeCursor(cursor)).toBe(seq);
      }),
    );
  });

  it.each(['', 'abc', Buffer.from('seq:0').toString('base64url'), Buffer.from('seq:-1').toString('base64url'), Buffer.from('offset:5').toString('base64url')])(
    'refuses a cursor it did not issue: %s',
    (cursor) => {
      expect(decodeCursor(cursor)).toBeNull();
    },
  );
});
