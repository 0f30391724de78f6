import { describe, expect, it } from 'vitest';
import { LineError } from '../../../src/deid/line-error.js';
import { SAFE_HARBOR } from '../../../src/policies/safe-harbor.js';
import { PROCESSING_YEAR, walkerFor } from './fixtures/walker.js';

/** Safe Harbor beyond the named columns: free text, dates and identifiers in fields it does not know, FHIR ages. */
describe('safe-harbor: free text, dates in unnamed fields, ages, references', () => {
  const { run } = walkerFor(SAFE_HARBOR);
  const deidentified = <T>(record: T): T => {
    run(record);
    return record;
  };

  it.each(['text', 'reason', 'message', 'description', 'narrative', 'summary', 'history', 'notes', 'comment', 'comments', 'remarks', 'Chief_Complaint', 'HPI'])(
    'free-text field %s is removed whole',
    (field) => {
      expect(deidentified({ [field]: 'Patient John Smith seen', code: 'E11.9' })).toEqual({ [field]: null, code: 'E11.9' });
    },
  );

  it.each([
    ['a phone number', 'Call back on 617-555-0100 tomorrow'],
    ['a phone number in brackets', 'cell (617) 555-0100'],
    ['an SSN', 'SSN on file 999-12-3456.'],
    ['an e-mail address', 'Wrote to maria.garcia@example.com about it'],
    ['a URL', 'portal: https://patients.example.org/u/123'],
    ['an IP address', 'login from 192.168.10.24 at night'],
    ['an IPv6 address', 'login from 2001:db8::7 at night'],
    ['an ISO date', 'follow-up on 2014-10-06'],
    ['an ISO date-time', 'admitted 2014-10-06T16:17:47Z via ED'],
    ['a US date', 'seen 10/6/2014'],
    ['a short US date', 'seen 10/06/14 in clinic'],
    ['a compact date', 'visit 20141006 ref'],
    ['a named date', 'Seen on Oct 6, 2014 for cough'],
    ['a day-first named date', 'Seen 6 October 2014 for cough'],
  ])('a string with %s inside, in a field of any name, is removed', (_, text) => {
    expect(deidentified({ visitInfo: text, nested: { anything: [text] } })).toEqual({ visitInfo: null, nested: { anything: [null] } });
  });

  it('leaves strings without identifier shapes, and bare digit codes, alone', () => {
    const record = { dx: 'E11.9', loinc: '8302-2', snomed: '195662009', eightDigits: '44054006', dose: '500 MG Oral Tablet', ratio: '1/2', version: '4.0.1' };
    expect(deidentified({ ...record })).toEqual(record);
  });

  it.each([
    ['10/6/2014'],
    ['10/06/14'],
    ['20141006'],
    ['Oct 6, 2014'],
    ['October 6 2014'],
    ['6 October 2014'],
    ['06-Oct-2014'],
    ['2014-10-06T16:17:47.123-04:00'],
  ])('a date written %s in an unnamed field keeps its year only', (value) => {
    expect(deidentified({ visit: value })).toEqual({ visit: '2014' });
  });

  it('a two-digit year is read in the century that puts it at most in the year of processing', () => {
    expect(deidentified({ visit: `01/02/${String(PROCESSING_YEAR % 100).padStart(2, '0')}` })).toEqual({ visit: String(PROCESSING_YEAR) });
    expect(deidentified({ visit: '01/02/99' })).toEqual({ visit: '1999' });
  });

  it('FHIR ages of 90 or more are capped wherever FHIR has an Age, and Observation quantities in years', () => {
    const history = deidentified({
      resourceType: 'FamilyMemberHistory',
      ageAge: { value: 97, unit: 'a', system: 'http://unitsofmeasure.org', code: 'a' },
      deceasedAge: { value: 95, code: 'a' },
      condition: [{ onsetAge: { value: 91, code: 'a' } }],
      extension: [{ url: 'http://example.org/age', valueAge: { value: 104, code: 'a' } }],
    });
    expect(history.ageAge.value).toBe(90);
    expect(history.deceasedAge.value).toBe(90);
    expect(history.condition[0].onsetAge.value).toBe(90);
    expect(history.extension[0].valueAge.value).toBe(90);
    const observation = deidentified({
      resourceType: 'Observation',
      valueQuantity: { value: 93, unit: 'yr', system: 'http://unitsofmeasure.org', code: 'a' },
      component: [{ valueQuantity: { value: 101, unit: 'years' } }, { valueQuantity: { value: 120, unit: 'mg/dL', code: 'mg/dL' } }],
    });
    expect(observation.valueQuantity).toEqual({ value: 90, unit: 'yr', system: 'http://unitsofmeasure.org', code: 'a' });
    expect(observation.component[0].valueQuantity.value).toBe(90);
    expect(observation.component[1].valueQuantity.value).toBe(120);
    expect(deidentified({ resourceType: 'Observation', valueQuantity: { value: 45, code: 'a' } }).valueQuantity.value).toBe(45);
  });

  it('FHIR references stay consistent with the tokenized ids: Patient/123, urn:uuid and #contained', () => {
    const { run: walk } = walkerFor(SAFE_HARBOR);
    const patient = { resourceType: 'Patient', id: 'pat-0001', managingOrganization: { reference: 'Organization/org-7' } };
    const observation = {
      resourceType: 'Observation',
      id: 'obs-1',
      subject: { reference: 'Patient/pat-0001' },
      performer: [{ reference: 'https://ehr.example.org/fhir/Patient/pat-0001/_history/3' }, { reference: '#p1' }],
      contained: [{ resourceType: 'Practitioner', id: 'p1' }],
      basedOn: [{ reference: 'ServiceRequest?identifier=http://x|123' }],
    };
    const short = { resourceType: 'Encounter', id: '12', subject: { reference: 'Patient/12' } };
    const walked = [walk(patient), walk(observation), walk(short)];
    expect(walked.flatMap((item) => item.slots).every((slot) => slot.mode === 'deterministic')).toBe(true);
    expect(patient.id).toMatch(/^[a-z]{3}-\d{4}$/);
    expect(patient.id).not.toBe('pat-0001');
    expect(observation.subject.reference).toBe(`Patient/${patient.id}`);
    expect(observation.performer[0].reference).toBe(`Patient/${patient.id}/_history/3`);
    expect(observation.performer[1].reference).toBe(`#${observation.contained[0].id}`);
    expect(observation.basedOn).toBeUndefined();
    // Ids under four characters do not fit the mrn type: a text token, the same for the id and the reference.
    expect(short.id).toMatch(/^tok_[0-9A-Za-z]{22}$/);
    expect(short.subject.reference).toBe(`Patient/${short.id}`);
  });

  it('a Bundle fails whole when one of its resources cannot be de-identified: never a partly de-identified Bundle', () => {
    const bundle = {
      resourceType: 'Bundle',
      entry: [
        { resource: { resourceType: 'Patient', id: 'pat-0001', name: [{ family: 'Smith' }] } },
        { resource: { resourceType: 'Starship', id: 'ncc-1701' } },
      ],
    };
    expect(() => walkerFor(SAFE_HARBOR).walker.walk(bundle)).toThrow(LineError);
    const tokenizing = walkerFor({ rules: [{ path: 'Patient.identifier.value', action: 'tokenize', type: 'ssn' }, { path: 'Patient.name', action: 'redact' }] });
    const failing = {
      resourceType: 'Bundle',
      entry: [
        { resource: { resourceType: 'Patient', name: [{ family: 'Smith' }], identifier: [{ value: '999-12-3456' }] } },
        { resource: { resourceType: 'Patient', name: [{ family: 'Jones' }], identifier: [{ value: 'not an ssn' }] } },
      ],
    };
    expect(() => tokenizing.walker.walk(failing)).toThrow(/rules\[0\] \(tokenize as ssn\)/);
  });
});
