import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VaultError } from '../../../src/common/errors/vault-error.js';
import { parseRulePath } from '../../../src/policies/rule-path.js';
import { SAFE_HARBOR } from '../../../src/policies/safe-harbor.js';
import { validatePolicyDocument } from '../../../src/policies/validate-policy.js';

function errorsOf(document: unknown): { path: string; message: string }[] {
  try {
    validatePolicyDocument(document);
  } catch (error) {
    expect(error).toBeInstanceOf(VaultError);
    return [...((error as VaultError).errors ?? [])];
  }
  throw new Error('expected the policy to be rejected');
}

describe('rule paths', () => {
  it.each([
    ['$.SSN', { dialect: 'json', steps: [{ kind: 'child', name: 'SSN', choice: false }] }],
    ['$.a.b', { dialect: 'json', steps: [{ kind: 'child', name: 'a', choice: false }, { kind: 'child', name: 'b', choice: false }] }],
    ['$.list[*].x', { dialect: 'json', steps: [{ kind: 'child', name: 'list', choice: false }, { kind: 'elements' }, { kind: 'child', name: 'x', choice: false }] }],
    ['$["first name"]', { dialect: 'json', steps: [{ kind: 'child', name: 'first name', choice: false }] }],
    ['$..zip', { dialect: 'json', steps: [{ kind: 'descendant', name: 'zip', choice: false }] }],
    ['$..*', { dialect: 'json', steps: [{ kind: 'anyDescendant' }] }],
    ['Patient.name', { dialect: 'fhir', resourceType: 'Patient', steps: [{ kind: 'child', name: 'name', choice: false }] }],
    ['*.birthDate', { dialect: 'fhir', resourceType: '*', steps: [{ kind: 'child', name: 'birthDate', choice: false }] }],
    ['Observation.value[x]', { dialect: 'fhir', resourceType: 'Observation', steps: [{ kind: 'child', name: 'value', choice: true }] }],
    [
      "Patient.identifier.where(type.coding.code='MR').value",
      {
        dialect: 'fhir',
        resourceType: 'Patient',
        steps: [
          { kind: 'child', name: 'identifier', choice: false },
          { kind: 'where', path: ['type', 'coding', 'code'], equals: 'MR' },
          { kind: 'child', name: 'value', choice: false },
        ],
      },
    ],
  ])('parses %s', (text, expected) => {
    expect(parseRulePath(text)).toEqual(expected);
  });

  it.each(['$', 'Patient', 'Foo.name', 'patient.name', '$.a..', '$.a[0]', "$['x", 'Patient.Name', 'Patient.where(id=\'1\')', "Patient.identifier.where(system='')", 'Patient.name.', '*..'])(
    'rejects %s',
    (text) => {
      expect(parseRulePath(text)).toHaveProperty('invalid');
    },
  );
});

describe('policy validation', () => {
  it('accepts the contract example and the built-in safe-harbor', () => {
    expect(() =>
      validatePolicyDocument({ rules: [{ path: '$.SSN', action: 'tokenize', type: 'ssn' }, { path: '$.BIRTHDATE', action: 'generalize', to: 'year' }] }),
    ).not.toThrow();
    const { description, fieldNames, rules } = SAFE_HARBOR;
    expect(() => validatePolicyDocument({ description, fieldNames, rules })).not.toThrow();
  });

  it('accepts the example policy of docs/deidentification.md', () => {
    const docs = readFileSync(new URL('../../../docs/deidentification.md', import.meta.url), 'utf8');
    const example = /```json\n([\s\S]*?)```/.exec(docs)?.[1];
    expect(example).toBeDefined();
    expect(validatePolicyDocument(JSON.parse(example as string)).rules).toHaveLength(10);
  });

  it('names the rule at fault, for every kind of mistake', () => {
    expect(errorsOf({ rules: [{ path: '$.a', action: 'keep' }, { path: '$.b', action: 'shred' }] })).toEqual([
      { path: 'rules[1].action', message: expect.stringContaining('must be one of "tokenize"') },
    ]);
    expect(errorsOf({ rules: [{ path: '$.a', action: 'tokenize' }] })).toEqual([{ path: 'rules[0].type', message: expect.any(String) }]);
    expect(errorsOf({ rules: [{ path: '$.a', action: 'tokenize', type: 'dna' }] })).toEqual([{ path: 'rules[0].type', message: expect.stringContaining('"ssn"') }]);
    expect(errorsOf({ rules: [{ path: '$.a', action: 'generalize', to: 'decade' }] })).toEqual([{ path: 'rules[0].to', message: expect.any(String) }]);
    expect(errorsOf({ rules: [{ path: '$.a', action: 'generalize' }] })).toEqual([{ path: 'rules[0].to', message: 'must be one of "year", "zip3", "ageband"' }]);
    expect(errorsOf({ rules: [{ path: '$.a', action: 'keep' }, { path: '$.a', action: 'keep' }, { path: 'Patient.nme!', action: 'redact' }] })).toEqual([
      { path: 'rules[2].path', message: expect.any(String) },
    ]);
    expect(errorsOf({ rules: [{ path: 'Foo.bar', action: 'redact' }] })).toEqual([{ path: 'rules[0].path', message: 'names a resource type that FHIR R4 does not have' }]);
    // Unknown keys are reported at their object, unnamed (src/common/validation: a key may be anything the caller chose).
    expect(errorsOf({ rules: [{ path: '$.a', action: 'redact', type: 'ssn' }] })).toEqual([{ path: 'rules[0]', message: 'has an unknown field' }]);
    expect(errorsOf({ rules: [{ path: '$.a', action: 'generalize', to: 'zip3', capAge: true }] })).toEqual([{ path: 'rules[0].capAge', message: expect.any(String) }]);
    expect(errorsOf({ rules: [{ path: 'Patient.birthDate', action: 'dateShift', patientKey: '$.id' }] })).toEqual([{ path: 'rules[0].patientKey', message: expect.any(String) }]);
    expect(errorsOf({ rules: [] })).toEqual([{ path: 'rules', message: 'must have at least 1 item' }]);
    expect(errorsOf({ rules: [{ path: '$.a', action: 'keep' }], extra: 1 })).toEqual([{ path: '(body)', message: 'has an unknown field' }]);
  });

  it('never quotes the submitted document in its messages', () => {
    const secret = 'Zyxwvut-123-45-6789';
    const errors = errorsOf({ rules: [{ path: `$.${secret}!`, action: secret, type: secret, to: secret }] });
    expect(JSON.stringify(errors)).not.toContain(secret);
  });
});
