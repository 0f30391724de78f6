import { describe, expect, it } from 'vitest';
import { LineError } from '../../../src/deid/line-error.js';
import type { PolicyDocument } from '../../../src/policies/policy-document.js';
import { walkerFor } from './fixtures/walker.js';

const run = (document: PolicyDocument, record: unknown) => {
  const { run: walk, policy } = walkerFor(document);
  const walked = walk(record);
  return { record, walked, policy };
};

describe('rule precedence', () => {
  it('the first rule selecting a value or one of its containers governs it', () => {
    const { record } = run(
      {
        rules: [
          { path: '$.address.state', action: 'keep' },
          { path: '$.address', action: 'redact' },
          { path: '$.address.city', action: 'mask' },
        ],
      },
      { address: { street: '1 Main St', city: 'Boston', state: 'MA' }, other: 'x' },
    );
    expect(record).toEqual({ address: { street: null, city: null, state: 'MA' }, other: 'x' });
  });

  it('a whole container under one redact rule becomes null in a flat record', () => {
    const { record } = run({ rules: [{ path: '$.contact', action: 'redact' }] }, { contact: { phone: '617-555-0100', list: [1, 2] }, id: 7 });
    expect(record).toEqual({ contact: null, id: 7 });
  });

  it('when: a rule narrowed to a value shape governs only values of that shape', () => {
    const { record } = run(
      { rules: [{ path: '$.keepMe', action: 'keep' }, { path: '$..*', when: 'date', action: 'generalize', to: 'year' }, { path: '$..*', when: 'ssn', action: 'redact' }] },
      { keepMe: '2020-01-02', start: '2021-03-04T05:06:07Z', code: '185345009', nested: { ids: ['123-45-6789', 'abc'] } },
    );
    expect(record).toEqual({ keepMe: '2020-01-02', start: '2021', code: '185345009', nested: { ids: [null, 'abc'] } });
  });

  it('normalized field names ignore case, _, - and spaces', () => {
    const { record } = run({ fieldNames: 'normalized', rules: [{ path: '$..firstname', action: 'redact' }] }, { FIRST_NAME: 'Ann', 'first-name': 'Bo', 'First Name': 'Cy', nested: { firstName: 'Di' }, firstnames: 'keep' });
    expect(record).toEqual({ FIRST_NAME: null, 'first-name': null, 'First Name': null, nested: { firstName: null }, firstnames: 'keep' });
    expect(run({ rules: [{ path: '$.firstname', action: 'redact' }] }, { FirstName: 'Ann' }).record).toEqual({ FirstName: 'Ann' });
  });

  it('arrays are crossed implicitly and with [*]', () => {
    const { record } = run({ rules: [{ path: '$.list[*].ssn', action: 'mask' }, { path: '$.other.name', action: 'redact' }] }, { list: [{ ssn: '123-45-6789' }, { ssn: '987-65-4321' }], other: [{ name: 'A' }, { name: 'B' }] });
    expect(record).toEqual({ list: [{ ssn: '***-**-6789' }, { ssn: '***-**-4321' }], other: [{ name: null }, { name: null }] });
  });
});

describe('actions', () => {
  it('tokenize leaves a slot per value; mode random by default; a value that does not fit fails the line, or falls back', () => {
    const { walked } = run({ rules: [{ path: '$.ssn', action: 'tokenize', type: 'ssn' }] }, { ssn: '123-45-6789' });
    expect(walked.slots).toHaveLength(1);
    expect(walked.slots[0]).toMatchObject({ type: 'ssn', mode: 'random', key: 'ssn' });
    expect(() => run({ rules: [{ path: '$.ssn', action: 'tokenize', type: 'ssn' }] }, { ssn: 'unknown' })).toThrow(LineError);
    const text = run({ rules: [{ path: '$.ssn', action: 'tokenize', type: 'ssn', onInvalid: 'text' }] }, { ssn: 'unknown' });
    expect(text.walked.slots[0]).toMatchObject({ type: 'text' });
    expect((text.record as { ssn: string }).ssn).toMatch(/^tok_/);
    expect(run({ rules: [{ path: '$.ssn', action: 'tokenize', type: 'ssn', onInvalid: 'redact' }] }, { ssn: 'unknown' }).record).toEqual({ ssn: null });
  });

  it('an error names the rule and never the value', () => {
    try {
      run({ rules: [{ path: '$.keep', action: 'keep' }, { path: '$.ssn', action: 'tokenize', type: 'ssn' }] }, { ssn: 'Maria-Garcia' });
      throw new Error('expected a LineError');
    } catch (error) {
      expect(error).toBeInstanceOf(LineError);
      expect((error as LineError).detail).toContain('rules[1] (tokenize as ssn)');
      expect((error as LineError).detail).not.toContain('Maria');
    }
  });

  it('null, booleans and empty strings pass every action but redact', () => {
    const { record, walked } = run({ rules: [{ path: '$.*', action: 'tokenize', type: 'ssn' }] }, { a: null, b: true, c: '' });
    expect(record).toEqual({ a: null, b: true, c: '' });
    expect(walked.slots).toHaveLength(0);
  });

  it('hash: stable under the vault key, per call under the request key, UUIDs stay UUID-shaped', () => {
    const { run: walk } = walkerFor({ rules: [{ path: '$.v', action: 'hash' }, { path: '$.r', action: 'hash', key: 'request' }] });
    const first = { v: 'abc', r: 'd88f994a-5efa-421d-9c40-5f116d2114a6' };
    const second = { v: 'abc', r: 'd88f994a-5efa-421d-9c40-5f116d2114a6' };
    walk(first);
    walk(second);
    expect(first).toEqual(second);
    expect(first.v).toMatch(/^[0-9a-f]{32}$/);
    expect(first.r).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const otherCall = { v: 'abc', r: 'd88f994a-5efa-421d-9c40-5f116d2114a6' };
    walkerFor({ rules: [{ path: '$.r', action: 'hash', key: 'request' }] }).run(otherCall);
    expect(otherCall.r).not.toBe(first.r);
  });

  it('dateShift moves a patient\'s dates by one offset, keyed by the patient field', () => {
    const { run: walk } = walkerFor({ rules: [{ path: '$.when', action: 'dateShift' }] }, 10);
    const record = { patientId: 'P-1', when: '2020-01-01' };
    walk(record);
    expect(record).toEqual({ patientId: 'P-1', when: '2020-01-11' });
    expect(() => walk({ when: '2020-01-01' })).toThrow(/no patient key/);
  });

  it('a key named __proto__ is an ordinary field', () => {
    const record = JSON.parse('{"__proto__":"123-45-6789","x":1}');
    run({ rules: [{ path: '$..*', when: 'ssn', action: 'redact' }] }, record);
    expect(Object.getOwnPropertyDescriptor(record, '__proto__')?.value).toBeNull();
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
  });
});

describe('FHIR resources', () => {
  it('removes redacted elements and the containers they leave empty', () => {
    const { record } = run(
      { rules: [{ path: 'Patient.telecom', action: 'redact' }, { path: 'Patient.name.given', action: 'redact' }] },
      { resourceType: 'Patient', name: [{ given: ['A', 'B'] }, { given: ['C'], family: 'D' }], telecom: [{ system: 'phone', value: '1' }], gender: 'female' },
    );
    expect(record).toEqual({ resourceType: 'Patient', name: [{ family: 'D' }], gender: 'female' });
  });

  it('where(...) filters elements, and structural children are left to rules naming them', () => {
    const { record, walked } = run(
      { rules: [{ path: "Patient.identifier.where(type.coding.code='MR')", action: 'tokenize', type: 'mrn' }, { path: 'Patient.identifier.value', action: 'redact' }] },
      {
        resourceType: 'Patient',
        identifier: [
          { system: 'urn:x', type: { coding: [{ code: 'DL' }] }, value: 'S999' },
          { system: 'urn:y', type: { coding: [{ code: 'MR' }] }, value: 'MRN-0001' },
        ],
      },
    );
    expect(walked.slots).toHaveLength(1);
    const identifiers = (record as { identifier: { system: string; value?: string }[] }).identifier;
    expect(identifiers[0]).toEqual({ system: 'urn:x', type: { coding: [{ code: 'DL' }] } });
    expect(identifiers[1].system).toBe('urn:y');
    expect(identifiers[1].value).toMatch(/^[A-Z]{3}-\d{4}$/);
  });

  it('Bundle entries and contained resources start afresh with their own rules; references keep resolving', () => {
    const patientId = 'd88f994a-5efa-421d-9c40-5f116d2114a6';
    const bundle = {
      resourceType: 'Bundle',
      entry: [
        { fullUrl: `urn:uuid:${patientId}`, resource: { resourceType: 'Patient', id: patientId, birthDate: '1969-03-27' } },
        { resource: { resourceType: 'Claim', patient: { reference: `urn:uuid:${patientId}` }, contained: [{ resourceType: 'Coverage', id: 'cov' }], insurance: [{ coverage: { reference: '#cov' } }] } },
      ],
    };
    run(
      {
        rules: [
          { path: '*.id', action: 'hash', key: 'request' },
          { path: '*..reference', action: 'hash', key: 'request' },
          { path: 'Bundle.entry.fullUrl', action: 'hash', key: 'request' },
          { path: 'Patient.birthDate', action: 'generalize', to: 'year' },
        ],
      },
      bundle,
    );
    const [patientEntry, claimEntry] = bundle.entry as any[];
    expect(patientEntry.resource.birthDate).toBe('1969');
    expect(patientEntry.resource.id).not.toBe(patientId);
    expect(patientEntry.fullUrl).toBe(`urn:uuid:${patientEntry.resource.id}`);
    expect(claimEntry.resource.patient.reference).toBe(`urn:uuid:${patientEntry.resource.id}`);
    expect(claimEntry.resource.insurance[0].coverage.reference).toBe(`#${claimEntry.resource.contained[0].id}`);
  });

  it('refuses a resourceType FHIR R4 does not have, and records nested too deep', () => {
    expect(() => run({ rules: [{ path: '*.id', action: 'redact' }] }, { resourceType: 'Spaceship' })).toThrow(/not a FHIR R4 resource type/);
    let deep: unknown = 1;
    for (let i = 0; i < 200; i += 1) deep = [deep];
    expect(() => run({ rules: [{ path: '$..*', when: 'ssn', action: 'redact' }] }, { deep })).toThrow(/deeper than/);
    expect(() => run({ rules: [{ path: '$.a', action: 'redact' }] }, [1, 2])).toThrow(/not a JSON object/);
  });
});
