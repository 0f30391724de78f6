import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/load-config.js';
import { DEFAULT_POLICY_DOCUMENT, DEFAULT_REVEAL_POLICY } from '../../../src/policy/default-policy.js';
import { parseRevealPolicy } from '../../../src/policy/parse-policy.js';
import { readRevealPolicyFile } from '../../../src/policy/policy-file.js';
import { decideReveal } from '../../../src/policy/reveal-policy.js';

const dir = mkdtempSync(join(tmpdir(), 'phi-vault-policy-'));
const writePolicy = (name: string, content: unknown) => {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
};

/** The smallest environment loadConfig accepts outside dev mode. */
const baseEnv = () => {
  const publicKeyFile = writePolicy('public.pem', '-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n');
  return {
    DATABASE_URL: 'postgresql://u:p@127.0.0.1:5432/db',
    REDIS_URL: 'redis://127.0.0.1:6379',
    VAULT_MASTER_KEY: randomBytes(32).toString('base64'),
    AUTH_ISSUER: 'https://idp.test',
    AUTH_AUDIENCE: 'vault',
    AUTH_PUBLIC_KEY_FILE: publicKeyFile,
  };
};
const configProblems = (env: Record<string, string>): readonly string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

/** An example custom policy: the one docs/reveal-policy.md shows. */
const CUSTOM = {
  version: 1,
  description: 'Hospital A: nurses see dates, research sees zip codes masked, psych notes are clinician-only',
  tags: { restricted: 'denied', psych: 'denied' },
  roles: {
    clinician: { default: 'plain', types: { ssn: 'masked', pan: 'masked' } },
    nurse: { default: 'masked', types: { date: 'plain', name: 'plain' } },
    researcher: { types: { zip: 'masked', date: 'masked' } },
    service: { default: 'plain' },
  },
};

describe('reveal policy files', () => {
  it('the built-in default parses, and parsing its document again gives the same decisions', () => {
    const parsed = parseRevealPolicy(JSON.parse(JSON.stringify(DEFAULT_POLICY_DOCUMENT)));
    expect('policy' in parsed && parsed.policy).toEqual(DEFAULT_REVEAL_POLICY);
  });

  it('a custom policy file replaces the default through VAULT_POLICY_FILE', () => {
    const file = writePolicy('custom.json', CUSTOM);
    const config = loadConfig({ ...baseEnv(), VAULT_POLICY_FILE: file });
    const decide = (roles: string[], type: 'ssn' | 'date' | 'zip' | 'name', tags: string[] = []) =>
      decideReveal(config.revealPolicy, { roles, type, tags, breakGlass: false });
    expect(decide(['nurse'], 'date')).toBe('plain');
    expect(decide(['nurse'], 'ssn')).toBe('masked');
    expect(decide(['researcher'], 'zip')).toBe('masked');
    expect(decide(['researcher'], 'name')).toBe('denied');
    expect(decide(['clinician'], 'name', ['psych'])).toBe('denied');
    expect(decide(['support'], 'name')).toBe('denied'); // not in this policy: unknown, so denied
    expect(config.policyFile).toBe(file);
  });

  it('without VAULT_POLICY_FILE the default policy is in force', () => {
    const config = loadConfig(baseEnv());
    expect(config.revealPolicy).toBe(DEFAULT_REVEAL_POLICY);
    expect(config.policyFile).toBeNull();
  });

  const INVALID: { name: string; document: unknown; problems: string[] }[] = [
    { name: 'a bad level', document: { version: 1, roles: { clinician: { types: { ssn: 'hidden' } } } }, problems: ['roles.clinician.types.ssn: must be plain, masked or denied'] },
    { name: 'a bad default', document: { version: 1, roles: { support: { default: 'PLAIN' } } }, problems: ['roles.support.default: must be plain, masked or denied'] },
    {
      name: 'an unknown type',
      document: { version: 1, roles: { clinician: { types: { fax: 'plain' } } } },
      problems: ['roles.clinician.types.fax: unknown token type (known: ssn, phone, email, date, name, zip, mrn, pan, text)'],
    },
    {
      name: 'a tag rule that would raise a level',
      document: { version: 1, tags: { restricted: 'plain' }, roles: { support: { tags: { vip: 'plain' } } } },
      problems: ['tags.restricted: must be masked or denied (a tag rule can only lower a level)', 'roles.support.tags.vip: must be masked or denied (a tag rule can only lower a level)'],
    },
    { name: 'a missing version', document: { roles: {} }, problems: ['version: must be 1'] },
    { name: 'a future version', document: { version: 2, roles: {} }, problems: ['version: must be 1'] },
    { name: 'no roles', document: { version: 1 }, problems: ['roles: must be an object mapping role names to their rules'] },
    { name: 'roles as a list', document: { version: 1, roles: ['clinician'] }, problems: ['roles: must be an object mapping role names to their rules'] },
    { name: 'a role that is not an object', document: { version: 1, roles: { clinician: 'plain' } }, problems: ['roles.clinician: must be an object with "default", "types" and/or "tags"'] },
    {
      name: 'a misspelt field (never silently ignored)',
      document: { version: 1, roles: { clinician: { defualt: 'plain' } }, rolse: {} },
      problems: ['rolse: is not a known field (expected version, description, tags, roles)', 'roles.clinician.defualt: is not a known field (expected default, types, tags)'],
    },
    { name: 'a role name with spaces', document: { version: 1, roles: { 'night nurse': { default: 'masked' } } }, problems: ['roles["night nurse"]: a role name must be 1 to 256 visible ASCII characters'] },
    { name: 'a bad tag name', document: { version: 1, tags: { 'has space': 'denied' }, roles: {} }, problems: ['tags["has space"]: a tag must be 1 to 64 characters of letters, digits and _.:-'] },
    { name: 'types not an object', document: { version: 1, roles: { clinician: { types: ['ssn'] } } }, problems: ['roles.clinician.types: must be an object mapping token types to levels'] },
    { name: 'a description that is not text', document: { version: 1, description: 5, roles: {} }, problems: ['description: must be a string'] },
    { name: 'an array document', document: [], problems: ['(document): must be a JSON object'] },
  ];
  for (const testCase of INVALID) {
    it(`rejects ${testCase.name}, naming the entry`, () => {
      expect(parseRevealPolicy(testCase.document)).toEqual({ problems: testCase.problems });
    });
  }

  it('an invalid file stops the start with one line per bad entry, prefixed with the variable', () => {
    const file = writePolicy('invalid.json', { version: 1, roles: { clinician: { default: 'plain', types: { ssn: 'hidden', pan: 'masked' } }, support: { default: 'everything' } } });
    expect(configProblems({ ...baseEnv(), VAULT_POLICY_FILE: file })).toEqual([
      'VAULT_POLICY_FILE: roles.clinician.types.ssn: must be plain, masked or denied',
      'VAULT_POLICY_FILE: roles.support.default: must be plain, masked or denied',
    ]);
  });

  it('reports a JSON syntax error by line and column, without quoting the file', () => {
    const file = writePolicy('syntax.json', '{\n  "version": 1,\n  "roles": { "clinician": { "default": plain } }\n}\n');
    const problems = configProblems({ ...baseEnv(), VAULT_POLICY_FILE: file });
    expect(problems).toEqual([expect.stringMatching(/^VAULT_POLICY_FILE: not valid JSON \(line 3, column \d+\)$/)]);
  });

  it('rejects a name given twice anywhere (JSON would keep only the last), naming each entry', () => {
    const file = writePolicy(
      'duplicates.json',
      `{ "version": 1,
         "tags": { "restricted": "denied", "restricted": "masked" },
         "roles": {
           "support": { "default": "masked" },
           "clinician": { "default": "plain", "types": { "ssn": "masked", "ssn": "plain" } },
           "support": { "default": "plain" } } }`,
    );
    expect(configProblems({ ...baseEnv(), VAULT_POLICY_FILE: file })).toEqual([
      'VAULT_POLICY_FILE: tags.restricted: is given more than once (only one entry per name; merge the duplicates)',
      'VAULT_POLICY_FILE: roles.clinician.types.ssn: is given more than once (only one entry per name; merge the duplicates)',
      'VAULT_POLICY_FILE: roles.support: is given more than once (only one entry per name; merge the duplicates)',
    ]);
    // Reported together with the other problems of the file.
    const both = writePolicy('duplicates-and-more.json', '{"version": 2, "roles": {"a": {}, "a": {"default": "all"}}}');
    expect(readRevealPolicyFile(both)).toEqual({
      problems: ['roles.a: is given more than once (only one entry per name; merge the duplicates)', 'version: must be 1', 'roles.a.default: must be plain, masked or denied'],
    });
  });

  it('reports a missing file and an empty file', () => {
    expect(configProblems({ ...baseEnv(), VAULT_POLICY_FILE: join(dir, 'nope.json') })).toEqual(['VAULT_POLICY_FILE: no such file']);
    expect(readRevealPolicyFile(writePolicy('empty.json', ''))).toEqual({ problems: [expect.stringMatching(/^not valid JSON/)] });
  });

  it('is collected with the other configuration problems (fail fast, all at once)', () => {
    const file = writePolicy('bad-version.json', { version: 3, roles: {} });
    const problems = configProblems({ ...baseEnv(), VAULT_POLICY_FILE: file, PORT: 'eighty' });
    expect(problems).toContain('VAULT_POLICY_FILE: version: must be 1');
    expect(problems).toContain('PORT: must be an integer from 0 to 65535');
  });
});
