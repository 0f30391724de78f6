import { describe, expect, it } from 'vitest';
import { SAFE_HARBOR } from '../../../src/policies/safe-harbor.js';
import { FHIR_BUNDLES, fhirBundleText, fhirPhi, leaks, phoneDigits, SYNTHEA_FILES, syntheaPhi, syntheaRecords } from './fixtures/real-data.js';
import { PROCESSING_YEAR, walkerFor } from './fixtures/walker.js';

/** The built-in policy on the real test data, without a vault (tokens drawn in memory). The e2e spec repeats this through HTTP. */
describe('safe-harbor on the shared test data', () => {
  const { run } = walkerFor(SAFE_HARBOR);

  it.each(SYNTHEA_FILES)('Synthea %s: no name (in any form), SSN, licence, passport, street, city, coordinate, record key, full date or ZIP5 survives', (file) => {
    const records = syntheaRecords(file);
    const phi = syntheaPhi(records);
    expect(phi.length).toBeGreaterThan(0);
    const output = records.map((record) => {
      run(record);
      return JSON.stringify(record);
    });
    expect(leaks(output.join('\n'), phi)).toEqual([]);
    expect(output).toHaveLength(records.length);
  });

  it('Synthea patients: what stays and what becomes of each column', () => {
    const [record] = syntheaRecords('patients');
    const original = { ...record };
    run(record);
    expect(record).toMatchObject({
      BIRTHDATE: original.BIRTHDATE.slice(0, 4),
      SSN: null,
      DRIVERS: null,
      PASSPORT: null,
      FIRST: null,
      LAST: null,
      BIRTHPLACE: null,
      ADDRESS: null,
      CITY: null,
      COUNTY: null,
      STATE: original.STATE,
      ZIP: original.ZIP.slice(0, 3),
      LAT: null,
      LON: null,
      RACE: original.RACE,
      GENDER: original.GENDER,
      HEALTHCARE_EXPENSES: original.HEALTHCARE_EXPENSES,
    });
    // The record key is an mrn token in the key's layout (8-4-4-4-12, lower case), drawn at random.
    expect(record.Id).toMatch(/^[0-9a-z]{8}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{12}$/);
    expect(record.Id).not.toBe(original.Id);
  });

  it('record keys are deterministic vault tokens: a patient and their encounters and conditions share one token', () => {
    const { run: walk } = walkerFor(SAFE_HARBOR);
    const patient = syntheaRecords('patients')[0];
    const encounters = syntheaRecords('encounters').filter((encounter) => encounter.PATIENT === patient.Id);
    const conditions = syntheaRecords('conditions').filter((condition) => condition.PATIENT === patient.Id);
    expect(encounters.length).toBeGreaterThan(0);
    const patientWalk = walk(patient);
    expect(patientWalk.slots.map((slot) => [slot.type, slot.mode])).toEqual([['mrn', 'deterministic']]);
    for (const record of [...encounters, ...conditions]) walk(record);
    expect(new Set([...encounters, ...conditions].map((record) => record.PATIENT))).toEqual(new Set([patient.Id]));
    // An encounter's own Id and a condition's ENCOUNTER are one token as well.
    const encounterIds = new Set(encounters.map((encounter) => encounter.Id));
    for (const condition of conditions) expect(encounterIds.has(condition.ENCOUNTER)).toBe(true);
  });

  it.each(FHIR_BUNDLES)('FHIR bundle %s: no name, SSN, street, city, full date, phone, e-mail or ZIP5 survives; MRNs become tokens', (name) => {
    const bundle = JSON.parse(fhirBundleText(name));
    const phi = fhirPhi(bundle);
    expect(phi.filter((item) => item.kind === 'date').length).toBeGreaterThan(20);
    const original = JSON.parse(fhirBundleText(name));
    const { run: walk } = walkerFor(SAFE_HARBOR);
    const walked = walk(bundle);
    const output = JSON.stringify(bundle);
    expect(leaks(output, [...phi, ...phoneDigits(phi)])).toEqual([]);
    // Ids, references and MRNs: deterministic mrn tokens; Organization and Location names: text tokens. No hashes.
    expect(walked.slots.every((slot) => slot.mode === 'deterministic')).toBe(true);
    expect(new Set(walked.slots.map((slot) => slot.type))).toEqual(new Set(['mrn', 'text']));
    const patient = bundle.entry[0].resource;
    const mrn = patient.identifier.find((identifier: { type?: { coding: { code: string }[] } }) => identifier.type?.coding[0].code === 'MR');
    expect(mrn.value).toMatch(/^[0-9a-z-]{36}$/);
    expect(mrn.value).not.toBe(original.entry[0].resource.identifier[1].value);
    // The MRN was the patient's id: one value, one token.
    expect(mrn.value).toBe(patient.id);
    expect(bundle.entry[0].fullUrl).toBe(`urn:uuid:${patient.id}`);
    expect(patient.resourceType).toBe('Patient');
    expect(patient.name).toBeUndefined();
    expect(patient.telecom).toBeUndefined();
    expect(patient.address).toEqual([{ state: 'WA', postalCode: '980', country: 'US' }]);
    expect(Number(patient.birthDate)).toBeGreaterThan(PROCESSING_YEAR - 90);
    expect(patient.text).toBeUndefined();
    // Every reference still points at a resource of the bundle.
    const ids = new Set(bundle.entry.map((entry: { fullUrl: string }) => entry.fullUrl));
    const references = output.match(/"reference":"urn:uuid:[^"]+"/g) ?? [];
    expect(references.length).toBeGreaterThan(100);
    for (const reference of references) expect(ids.has(reference.slice('"reference":"'.length, -1))).toBe(true);
  });

  it('a birth date revealing an age of 90 or more becomes the sentinel year', () => {
    const patient = { resourceType: 'Patient', birthDate: '1921-07-04' };
    run(patient);
    expect(patient.birthDate).toBe(String(PROCESSING_YEAR - 90));
    const flat = { DOB: '07/04/1921', age: 104 };
    run(flat);
    expect(flat).toEqual({ DOB: String(PROCESSING_YEAR - 90), age: '90+' });
  });
});
