import { parseRevealPolicy } from './parse-policy.js';
import type { RevealPolicy } from './reveal-policy.js';

/**
 * CONTRACT section 5's table, written in the policy file format. It is what runs when VAULT_POLICY_FILE is
 * unset, and the example docs/reveal-policy.md starts from.
 *
 * | role              | untagged | ssn, pan | tagged restricted |
 * | clinician         | plain    | masked   | denied            |
 * | service           | plain    | plain    | denied            |
 * | support           | masked   | masked   | denied            |
 * | any other role    | denied   | denied   | denied            |
 */
export const DEFAULT_POLICY_DOCUMENT = {
  version: 1,
  description: 'phi-vault default reveal policy (CONTRACT section 5)',
  tags: { restricted: 'denied' },
  roles: {
    clinician: { default: 'plain', types: { ssn: 'masked', pan: 'masked' } },
    service: { default: 'plain' },
    support: { default: 'masked' },
  },
} as const;

export const DEFAULT_REVEAL_POLICY: RevealPolicy = (() => {
  const parsed = parseRevealPolicy(DEFAULT_POLICY_DOCUMENT);
  // Unreachable unless this file is edited into an invalid policy; the unit tests parse it too.
  if ('problems' in parsed) throw new Error(`the built-in reveal policy is invalid: ${parsed.problems.join('; ')}`);
  return parsed.policy;
})();
