import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditDraftArbitrary } from '../../support/audit-drafts.js';
import type { AuditEvent, AuditEventDraft, ChainedAuditEvent } from '../../../src/audit/audit-event.js';
import { canonicalAroundSeq, canonicalEvent, canonicalJson, chainHash, GENESIS_HASH, hashedFields, KEYS_AFTER_SEQ, KEYS_BEFORE_SEQ } from '../../../src/audit/chain.js';
import { ChainVerifier, type ChainAnchor, type ChainVerdict } from '../../../src/audit/chain-verifier.js';

/** Chains drafts exactly as AuditLog does: seq from 1, each hash over the previous one. */
function buildChain(drafts: readonly AuditEventDraft[]): ChainedAuditEvent[] {
  let prevHash: Buffer = GENESIS_HASH;
  return drafts.map((draft, index) => {
    const event: AuditEvent = { ...draft, id: randomUUID(), seq: BigInt(index + 1), at: new Date(1_700_000_000_000 + index) };
    const hash = chainHash(prevHash, event);
    const chained = { ...event, prevHash, hash };
    prevHash = hash;
    return chained;
  });
}

function verify(events: readonly ChainedAuditEvent[], anchor: ChainAnchor | null = null): ChainVerdict {
  const verifier = new ChainVerifier(anchor);
  for (const event of events) if (verifier.push(event) !== null) break;
  return verifier.finish();
}

const plainDraft = (index: number): AuditEventDraft => ({
  actor: { sub: `user-${index}`, roles: ['clinician'], clientId: null },
  action: 'detokenize',
  purpose: 'treatment',
  justification: `reason ${index}`,
  breakGlass: false,
  tokens: [`tok-${index}`],
  tokenKeys: [`tok${index}`],
  outcome: 'allowed',
  details: { reveals: { plain: 1 } },
});
const chainOf = (length: number) => buildChain(Array.from({ length }, (_, index) => plainDraft(index)));

describe('canonical JSON', () => {
  it('sorts keys at every depth and has no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { y: null, x: 'é' }], c: true } })).toBe('{"a":{"c":true,"d":[3,{"x":"é","y":null}]},"b":1}');
  });

  it('property: equals the plain definition (sorted entries, JSON.stringify for the rest), undefined fields left out', () => {
    const reference = (value: unknown): string => {
      if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
      if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
    };
    const withUndefined = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 1 }), fc.constant(undefined), fc.array(tie('value')), fc.dictionary(fc.string(), tie('value'))),
    })).value;
    fc.assert(
      fc.property(withUndefined, (value) => {
        expect(canonicalJson(value)).toBe(reference(value));
      }),
    );
  });

  it('property: the encoding does not depend on key order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (object) => {
        const reversed = Object.fromEntries(Object.entries(object).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(object));
      }),
    );
  });

  it('property: parsing the encoding and encoding again gives the same bytes (what an offline verifier relies on)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const encoded = canonicalJson(value);
        expect(canonicalJson(JSON.parse(encoded))).toBe(encoded);
      }),
    );
  });

  it('property: the encoding around the seq, completed with any seq, is the canonical JSON of the hashed fields', () => {
    fc.assert(
      fc.property(auditDraftArbitrary, fc.bigInt({ min: 1n, max: 2n ** 63n - 1n }), (draft, seq) => {
        const event: AuditEvent = { ...draft, id: randomUUID(), seq, at: new Date(0) };
        const [before, after] = canonicalAroundSeq(event);
        expect(`${before}${seq}${after}`).toBe(canonicalJson(hashedFields(event)));
        expect(canonicalEvent(event)).toBe(canonicalJson(hashedFields(event)));
      }),
    );
  });

  it('encodes the hashed fields in canonical key order around the seq', () => {
    const event: AuditEvent = { ...plainDraft(1), id: randomUUID(), at: new Date(0), seq: 1n };
    expect([...KEYS_BEFORE_SEQ, 'seq', ...KEYS_AFTER_SEQ]).toEqual(Object.keys(hashedFields(event)).sort());
  });

  it('covers every field of an event, so a change to any of them changes the hash', () => {
    const [event] = chainOf(1);
    const variants: Partial<AuditEvent>[] = [
      { id: randomUUID() },
      { seq: 2n },
      { at: new Date(event.at.getTime() + 1) },
      { actor: { ...event.actor, sub: 'other' } },
      { actor: { ...event.actor, roles: ['service'] } },
      { actor: { ...event.actor, clientId: 'app' } },
      { action: 'delete' },
      { purpose: 'payment' },
      { justification: 'another reason' },
      { breakGlass: true },
      { tokens: ['tok-x'] },
      { tokenKeys: ['tokx'] },
      { outcome: 'denied' },
      { details: { reveals: { plain: 2 } } },
    ];
    for (const variant of variants) expect(canonicalEvent({ ...event, ...variant }), JSON.stringify(Object.keys(variant))).not.toBe(canonicalEvent(event));
  });
});

describe('chain verification', () => {
  it('accepts an intact chain and answers its length and head', () => {
    const chain = chainOf(5);
    expect(verify(chain)).toEqual({ valid: true, events: 5n, head: chain[4].hash });
    expect(verify([])).toEqual({ valid: true, events: 0n, head: GENESIS_HASH });
  });

  it('detects an edited event at its own seq', () => {
    const chain = chainOf(6);
    chain[2] = { ...chain[2], justification: 'edited afterwards' };
    expect(verify(chain)).toEqual({ valid: false, brokenAt: 3n, reason: 'hash_mismatch' });
  });

  it('detects an edit whose hash was recomputed at the next event', () => {
    const chain = chainOf(6);
    const edited = { ...chain[2], outcome: 'denied' as const };
    chain[2] = { ...edited, hash: chainHash(edited.prevHash, edited) };
    expect(verify(chain)).toEqual({ valid: false, brokenAt: 4n, reason: 'prev_hash_mismatch' });
  });

  it('detects a removed event (a seq gap) and a removed first event', () => {
    const chain = chainOf(6);
    expect(verify(chain.filter((_, index) => index !== 3))).toEqual({ valid: false, brokenAt: 4n, reason: 'seq_gap' });
    expect(verify(chain.slice(1))).toEqual({ valid: false, brokenAt: 1n, reason: 'seq_gap' });
  });

  it('detects a removed event whose successors were renumbered', () => {
    const chain = chainOf(6);
    const renumbered = [...chain.slice(0, 3), ...chain.slice(4).map((event) => ({ ...event, seq: event.seq - 1n }))];
    expect(verify(renumbered)).toEqual({ valid: false, brokenAt: 4n, reason: 'prev_hash_mismatch' });
  });

  it('detects reordered events (seqs swapped, or contents swapped under the same seqs)', () => {
    const chain = chainOf(6);
    const seqsSwapped = [...chain.slice(0, 2), { ...chain[3], seq: 3n }, { ...chain[2], seq: 4n }, ...chain.slice(4)];
    expect(verify(seqsSwapped)).toEqual({ valid: false, brokenAt: 3n, reason: 'prev_hash_mismatch' });
  });

  it('detects a truncated tail only against an exported head', () => {
    const chain = chainOf(8);
    const truncated = chain.slice(0, 6);
    expect(verify(truncated)).toMatchObject({ valid: true, events: 6n });
    expect(verify(truncated, { events: 8n, head: chain[7].hash })).toEqual({ valid: false, brokenAt: 7n, reason: 'truncated' });
    expect(verify(truncated, { events: 7n })).toEqual({ valid: false, brokenAt: 7n, reason: 'truncated' });
    expect(verify(chain, { events: 8n, head: chain[7].hash })).toMatchObject({ valid: true, events: 8n });
    expect(verify(chain, { events: 5n, head: chain[4].hash })).toMatchObject({ valid: true, events: 8n });
  });

  it('detects a consistently rewritten chain only against an exported head', () => {
    const original = chainOf(6);
    // Edit event 5 and recompute every hash from there on, as someone with write access to the table could.
    let prevHash = original[3].hash;
    const rewritten = original.map((event, index) => {
      if (index < 4) return event;
      const content = index === 4 ? { ...event, justification: 'rewritten' } : event;
      const hash = chainHash(prevHash, content);
      const relinked = { ...content, prevHash, hash };
      prevHash = hash;
      return relinked;
    });
    expect(verify(rewritten)).toMatchObject({ valid: true, events: 6n });
    expect(verify(rewritten, { events: 6n, head: original[5].hash })).toEqual({ valid: false, brokenAt: 6n, reason: 'head_mismatch' });
    // A head exported before the rewritten event still matches: the history up to it is intact.
    expect(verify(rewritten, { events: 4n, head: original[3].hash })).toMatchObject({ valid: true });
  });

  it('property: any intact chain verifies; any single edit, removal or swap is reported at the first affected seq', () => {
    fc.assert(
      fc.property(
        fc.array(auditDraftArbitrary, { minLength: 2, maxLength: 12 }),
        fc.nat(),
        fc.constantFrom('edit', 'remove', 'swap'),
        (drafts, pick, tamper) => {
          const chain = buildChain(drafts);
          expect(verify(chain)).toMatchObject({ valid: true, events: BigInt(chain.length) });
          const at = pick % (chain.length - 1);
          const tampered = [...chain];
          if (tamper === 'edit') tampered[at] = { ...chain[at], justification: `${chain[at].justification ?? ''}!` };
          if (tamper === 'remove') tampered.splice(at, 1);
          if (tamper === 'swap') [tampered[at], tampered[at + 1]] = [{ ...chain[at + 1], seq: chain[at].seq }, { ...chain[at], seq: chain[at + 1].seq }];
          const verdict = verify(tampered, { events: BigInt(chain.length), head: chain[chain.length - 1].hash });
          expect(verdict).toMatchObject({ valid: false, brokenAt: BigInt(at + 1) });
        },
      ),
      { numRuns: 200 },
    );
  });
});
