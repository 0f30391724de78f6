import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TOKEN_TYPES } from '../../../src/formats/format.js';
import { DEFAULT_REVEAL_POLICY } from '../../../src/policy/default-policy.js';
import { parseRevealPolicy } from '../../../src/policy/parse-policy.js';
import { decideReveal, type RevealPolicy } from '../../../src/policy/reveal-policy.js';

/** The policy file the README shows a newcomer: it must parse, and mean what the README says it means. */
function readmeExample(): unknown {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const after = readme.slice(readme.indexOf('A policy file with the default'));
  const block = /```json\n([\s\S]*?)```/.exec(after);
  if (block === null) throw new Error('README: no json block after "A policy file with the default"');
  return JSON.parse(block[1]);
}

describe("the README's reveal policy example", () => {
  const parsed = parseRevealPolicy(readmeExample());

  it('is a valid VAULT_POLICY_FILE', () => {
    expect(parsed).toHaveProperty('policy');
  });

  it("decides like the default policy for the default's roles, and adds a nurse role", () => {
    const policy = (parsed as { policy: RevealPolicy }).policy;
    for (const roles of [['clinician'], ['service'], ['support'], ['compliance'], []]) {
      for (const type of TOKEN_TYPES) {
        for (const tags of [[], ['restricted']]) {
          const question = { roles, type, tags, breakGlass: false };
          expect(decideReveal(policy, question), `${roles} ${type} ${tags}`).toBe(decideReveal(DEFAULT_REVEAL_POLICY, question));
        }
      }
    }
    expect(decideReveal(policy, { roles: ['nurse'], type: 'date', tags: [], breakGlass: false })).toBe('plain');
    expect(decideReveal(policy, { roles: ['nurse'], type: 'name', tags: [], breakGlass: false })).toBe('masked');
    expect(decideReveal(policy, { roles: ['nurse'], type: 'date', tags: ['psych'], breakGlass: false })).toBe('denied');
  });
});
