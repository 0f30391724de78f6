import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TOKEN_TYPES, type TokenType } from '../../../src/formats/format.js';
import { DEFAULT_POLICY_DOCUMENT, DEFAULT_REVEAL_POLICY } from '../../../src/policy/default-policy.js';
import { parseRevealPolicy } from '../../../src/policy/parse-policy.js';
import { applyCallerCeiling, decideReveal, type RevealLevel, type RevealPolicy } from '../../../src/policy/reveal-policy.js';

/** CONTRACT section 5, copied by hand (not derived from src): role -> [untagged other type, ssn/pan, restricted]. */
const CONTRACT_TABLE: Record<string, [RevealLevel, RevealLevel, RevealLevel]> = {
  clinician: ['plain', 'masked', 'denied'],
  service: ['plain', 'plain', 'denied'],
  support: ['masked', 'masked', 'denied'],
  compliance: ['denied', 'denied', 'denied'],
  analyst: ['denied', 'denied', 'denied'],
};
const RANK: Record<RevealLevel, number> = { denied: 0, masked: 1, plain: 2 };
const contractLevel = (role: string, type: TokenType, restricted: boolean): RevealLevel => {
  const row = CONTRACT_TABLE[role] ?? ['denied', 'denied', 'denied'];
  if (restricted) return row[2];
  return type === 'ssn' || type === 'pan' ? row[1] : row[0];
};

const policyOf = (document: unknown): RevealPolicy => {
  const parsed = parseRevealPolicy(document);
  if ('problems' in parsed) throw new Error(parsed.problems.join('\n'));
  return parsed.policy;
};

describe('default reveal policy = CONTRACT section 5', () => {
  const TAG_SETS = [[], ['restricted'], ['psych'], ['psych', 'restricted']];
  for (const role of Object.keys(CONTRACT_TABLE)) {
    for (const type of TOKEN_TYPES) {
      for (const tags of TAG_SETS) {
        const restricted = tags.includes('restricted');
        const expected = contractLevel(role, type, restricted);
        it(`${role} x ${type} x [${tags.join(',')}] -> ${expected}`, () => {
          expect(decideReveal(DEFAULT_REVEAL_POLICY, { roles: [role], type, tags, breakGlass: false })).toBe(expected);
        });
      }
    }
  }

  it('several roles: the most permissive level wins, per token', () => {
    const decide = (roles: string[], type: TokenType, tags: string[] = []) => decideReveal(DEFAULT_REVEAL_POLICY, { roles, type, tags, breakGlass: false });
    expect(decide(['support', 'clinician'], 'name')).toBe('plain');
    expect(decide(['support', 'clinician'], 'ssn')).toBe('masked');
    expect(decide(['clinician', 'service'], 'pan')).toBe('plain');
    expect(decide(['compliance', 'support'], 'email')).toBe('masked');
    expect(decide(['compliance', 'analyst'], 'email')).toBe('denied');
    expect(decide(['clinician', 'service', 'support'], 'ssn', ['restricted'])).toBe('denied');
  });

  it('no roles, unknown roles and look-alike roles are denied', () => {
    for (const roles of [[], ['Clinician'], ['clinician '], ['admin'], ['__proto__'], ['constructor'], ['toString']]) {
      for (const type of TOKEN_TYPES) expect(decideReveal(DEFAULT_REVEAL_POLICY, { roles, type, tags: [], breakGlass: false })).toBe('denied');
    }
  });

  it('break-glass reveals every found token plain, whatever the roles and tags', () => {
    for (const roles of [[], ['compliance'], ['support'], ['clinician']]) {
      for (const type of TOKEN_TYPES) {
        expect(decideReveal(DEFAULT_REVEAL_POLICY, { roles, type, tags: ['restricted'], breakGlass: true })).toBe('plain');
      }
    }
  });

  it('the built-in document is what the docs show', () => {
    expect(DEFAULT_POLICY_DOCUMENT).toMatchObject({ version: 1, tags: { restricted: 'denied' } });
  });
});

describe('caller ceiling: reveal "masked" gives less, never more', () => {
  it.each([
    ['plain', 'masked', 'masked'],
    ['plain', 'plain', 'plain'],
    ['masked', 'plain', 'masked'],
    ['masked', 'masked', 'masked'],
    ['denied', 'plain', 'denied'],
    ['denied', 'masked', 'denied'],
  ] as const)('allowed %s, asked %s -> %s', (allowed, asked, result) => {
    expect(applyCallerCeiling(allowed, asked)).toBe(result);
  });
});

describe('precedence in a custom policy', () => {
  const policy = policyOf({
    version: 1,
    tags: { restricted: 'denied', vip: 'masked' },
    roles: {
      nurse: { default: 'masked', types: { date: 'plain', ssn: 'denied' }, tags: { psych: 'denied' } },
      researcher: { types: { zip: 'masked' } },
      auditor: { default: 'plain', tags: { vip: 'denied' } },
    },
  });
  const decide = (roles: string[], type: TokenType, tags: string[] = []) => decideReveal(policy, { roles, type, tags, breakGlass: false });

  it('a type rule replaces the default, up or down', () => {
    expect(decide(['nurse'], 'name')).toBe('masked');
    expect(decide(['nurse'], 'date')).toBe('plain');
    expect(decide(['nurse'], 'ssn')).toBe('denied');
  });

  it('a role without "default" gets nothing but its type rules', () => {
    expect(decide(['researcher'], 'zip')).toBe('masked');
    expect(decide(['researcher'], 'name')).toBe('denied');
  });

  it('tag caps (the role\'s and every role\'s) only lower the level; the lowest applies', () => {
    expect(decide(['nurse'], 'date', ['vip'])).toBe('masked');
    expect(decide(['nurse'], 'date', ['psych'])).toBe('denied');
    expect(decide(['nurse'], 'date', ['restricted'])).toBe('denied');
    expect(decide(['auditor'], 'name', ['vip'])).toBe('denied');
    expect(decide(['auditor'], 'name', ['psych'])).toBe('plain'); // psych is only capped for nurses
    expect(decide(['nurse'], 'ssn', ['vip'])).toBe('denied'); // a cap never raises
  });

  it('with several roles each role applies its own caps before the most permissive wins', () => {
    expect(decide(['nurse', 'auditor'], 'date', ['psych'])).toBe('plain');
    expect(decide(['nurse', 'auditor'], 'date', ['vip'])).toBe('masked');
  });
});

describe('properties of decideReveal (any valid policy)', () => {
  const level = fc.constantFrom<RevealLevel>('plain', 'masked', 'denied');
  const cap = fc.constantFrom<RevealLevel>('masked', 'denied');
  const roleName = fc.constantFrom('a', 'b', 'c', 'd');
  const tagName = fc.constantFrom('t1', 't2', 't3');
  const type = fc.constantFrom(...TOKEN_TYPES);
  const document = fc.record({
    version: fc.constant(1),
    tags: fc.dictionary(tagName, cap),
    roles: fc.dictionary(roleName, fc.record({ default: level, types: fc.dictionary(type, level), tags: fc.dictionary(tagName, cap) })),
  });
  const question = fc.record({ roles: fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'zz')), type, tags: fc.uniqueArray(tagName) });

  it('adding a role never lowers the level; adding a tag never raises it', () => {
    fc.assert(
      fc.property(document, question, roleName, tagName, (doc, q, extraRole, extraTag) => {
        const policy = policyOf(doc);
        const base = decideReveal(policy, { ...q, breakGlass: false });
        const withRole = decideReveal(policy, { ...q, roles: [...q.roles, extraRole], breakGlass: false });
        const withTag = decideReveal(policy, { ...q, tags: [...q.tags, extraTag], breakGlass: false });
        expect(RANK[withRole]).toBeGreaterThanOrEqual(RANK[base]);
        expect(RANK[withTag]).toBeLessThanOrEqual(RANK[base]);
      }),
    );
  });

  it('the level is the most permissive single-role level, and roles outside the policy add nothing', () => {
    fc.assert(
      fc.property(document, question, (doc, q) => {
        const policy = policyOf(doc);
        const perRole = q.roles.map((role) => decideReveal(policy, { ...q, roles: [role], breakGlass: false }));
        const best = perRole.reduce<RevealLevel>((a, b) => (RANK[a] >= RANK[b] ? a : b), 'denied');
        expect(decideReveal(policy, { ...q, breakGlass: false })).toBe(best);
        expect(decideReveal(policy, { ...q, roles: ['zz'], breakGlass: false })).toBe('denied');
      }),
    );
  });

  it('the caller ceiling never raises a level', () => {
    fc.assert(
      fc.property(level, fc.constantFrom<'plain' | 'masked'>('plain', 'masked'), (allowed, asked) => {
        expect(RANK[applyCallerCeiling(allowed, asked)]).toBeLessThanOrEqual(Math.min(RANK[allowed], RANK[asked]));
      }),
    );
  });
});
