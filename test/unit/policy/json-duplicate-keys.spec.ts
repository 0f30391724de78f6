import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { duplicateKeyPaths } from '../../../src/policy/json-duplicate-keys.js';

describe('duplicateKeyPaths', () => {
  it('names every member given twice, at any depth, once each, in document order', () => {
    const text = `{
      "version": 1,
      "roles": {
        "support": { "default": "masked" },
        "clinician": { "types": { "ssn": "masked", "pan": "masked", "ssn": "plain" } },
        "support": { "default": "plain" },
        "support": { "default": "denied" },
        "night nurse": { "tags": { "a": "denied" } }, "night nurse": {}
      },
      "list": [ { "x": 1, "x": 2 } ],
      "version": 1
    }`;
    expect(duplicateKeyPaths(text)).toEqual(['roles.clinician.types.ssn', 'roles.support', 'roles["night nurse"]', 'list[0].x', 'version']);
  });

  it('compares names after unescaping, and is not fooled by quotes, braces or escapes inside strings', () => {
    expect(duplicateKeyPaths('{"roles": {"support": {}, "supp\\u006Frt": {}}}')).toEqual(['roles.support']);
    expect(duplicateKeyPaths('{"a": "}{\\"a\\":", "b": ["{", "\\\\"], "c": {"a": 1}}')).toEqual([]);
    expect(duplicateKeyPaths('{"":1,"":2}')).toEqual(['[""]']);
  });

  it('finds nothing in JSON that JSON.stringify wrote (its objects cannot repeat a key)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(undefined, 2), (value, indent) => {
        expect(duplicateKeyPaths(JSON.stringify(value, null, indent))).toEqual([]);
      }),
    );
  });

  it('finds exactly the repeated names of an object written member by member', () => {
    const keys = fc.array(fc.constantFrom('a', 'b', 'c', 'd e', '"q"', 'ü'), { maxLength: 8 });
    fc.assert(
      fc.property(keys, fc.jsonValue(), (names, member) => {
        const text = `{${names.map((name) => `${JSON.stringify(name)}: ${JSON.stringify(member)}`).join(',')}}`;
        const repeated = [...new Set(names.filter((name, index) => names.indexOf(name) !== index))];
        const expected = repeated.map((name) => (/^[A-Za-z0-9_:-]+$/.test(name) ? name : `[${JSON.stringify(name)}]`));
        expect(duplicateKeyPaths(text).sort()).toEqual(expected.sort());
      }),
    );
  });
});
