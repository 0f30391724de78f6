import type { Rule } from './policy-document.js';

/**
 * Safe Harbor for FHIR R4 resources, by element. Order matters: the first rule selecting a value governs it,
 * so `keep` rules for coded values come before the broad rules that would otherwise remove them.
 */

const US_CORE = 'http://hl7.org/fhir/us/core/StructureDefinition';
const FHIR_EXT = 'http://hl7.org/fhir/StructureDefinition';

const redact = (...paths: string[]): Rule[] => paths.map((path) => ({ path, action: 'redact' }));
const keep = (...paths: string[]): Rule[] => paths.map((path) => ({ path, action: 'keep' }));
/**
 * Deterministic vault tokens: a uniform random draw the vault maps to the value (never derived from it), the
 * same for every occurrence of one value, so ids, references and identifiers link across resources and calls.
 * References are tokenized by their id part (src/deid/fhir-references.ts), so `Patient/123` stays
 * `Patient/<token of 123>` and still resolves. Values that are not MRN-shaped (ids under 4 characters,
 * names) get text tokens.
 */
const token = (type: 'mrn' | 'text', ...paths: string[]): Rule[] => paths.map((path) => ({ path, action: 'tokenize', type, mode: 'deterministic', onInvalid: 'text' }));
/** Ages: 90 and over become 90 (one category); lower ages stay. */
const ageCap = (...paths: string[]): Rule[] => paths.map((path) => ({ path, action: 'generalize', to: 'ageband', width: 1, onInvalid: 'redact' }));
/** UCUM and common spellings of "years" on an Observation's Quantity. */
const YEAR_UNITS = ["code='a'", "unit='a'", "unit='yr'", "unit='years'", "unit='year'", "unit='y'"];
const identifierOfType = (code: string) => `*..identifier.where(type.coding.code='${code}').value`;

/** v2-0203 identifier types that are medical record, health plan or account numbers. */
const LINKABLE_IDENTIFIER_TYPES = ['MR', 'MRT', 'PI', 'PT', 'MB', 'MA', 'MC', 'SN', 'AN', 'PN'];

export const SAFE_HARBOR_FHIR_RULES: readonly Rule[] = [
  // Narrative (generated XHTML quotes names and dates).
  ...redact('*.text'),
  // Resource ids and references: deterministic tokens, so resources still point at each other, in and across calls.
  ...token('mrn', '*.id', '*..reference', 'Bundle.entry.fullUrl', 'Bundle.entry.request.url', 'Bundle.entry.response.location'),
  ...redact('Bundle.entry.request.ifNoneExist', 'Bundle.entry.request.ifNoneMatch', 'Bundle.link', '*.meta.source'),
  // Facility names often carry their town ("SWEDISH ISSAQUAH"): text tokens, which still group by facility.
  ...token('text', 'Organization.name', 'Location.name'),
  ...redact('Organization.alias', 'Location.alias'),
  // Identifiers: medical record, health plan and account numbers become re-identification codes; every other
  // identifier value (SSNs, licences, passports, device and record ids, NPIs) is removed; system and type stay.
  ...token('mrn', ...LINKABLE_IDENTIFIER_TYPES.map(identifierOfType), 'Coverage.subscriberId', 'Coverage.identifier.value', 'Account.identifier.value'),
  ...keep('*..identifier.system', '*..identifier.type', '*..identifier.use'),
  ...redact('*..identifier'),
  // Extensions: race, ethnicity and birth sex are coded and kept; mother's maiden name and free strings go.
  ...keep(
    `*..extension.where(url='${US_CORE}/us-core-race')`,
    `*..extension.where(url='${US_CORE}/us-core-ethnicity')`,
    `*..extension.where(url='${US_CORE}/us-core-birthsex')`,
  ),
  ...redact(`*..extension.where(url='${FHIR_EXT}/patient-mothersMaidenName')`, '*..valueHumanName', '*..valueContactPoint', '*..valueIdentifier', '*..valueString'),
  // Names, contacts and contact points of patients, relatives and staff.
  ...redact('Patient.name', 'Practitioner.name', 'RelatedPerson.name', 'Person.name', '*..contact', '*..telecom'),
  // Geography below the state: the state, country and address use stay, the ZIP keeps its first three digits
  // (000 for the restricted prefixes); lines, city, district, text, period and geolocation are removed.
  ...keep('*..address.state', '*..address.country', '*..address.use', '*..address.type'),
  { path: '*..address.postalCode', action: 'generalize', to: 'zip3', onInvalid: 'redact' },
  ...redact('*..address'),
  ...keep('*..valueAddress.state', '*..valueAddress.country'),
  { path: '*..valueAddress.postalCode', action: 'generalize', to: 'zip3', onInvalid: 'redact' },
  ...redact('*..valueAddress', '*..locationAddress', 'Location.position'),
  // Attachments (photos, scanned and base64 notes) and free text.
  ...redact('*..attachment', '*..presentedForm', '*..photo', '*..contentAttachment', '*..valueAttachment', '*..data', '*..div'),
  ...redact('*..note', '*..comment', '*..patientInstruction', '*..description', '*..dosageInstruction.text', '*..dosage.text'),
  ...redact('*..summary', '*..conclusion', '*..contentString', '*..valueMarkdown'),
  // Displays: coded displays stay; reference displays (they quote patient and practitioner names) go.
  ...keep('*..coding.display', '*..valueCoding.display', '*..class.display'),
  ...redact('*..display'),
  // Devices, URLs and network addresses.
  ...redact('Device.udiCarrier', 'Device.serialNumber', 'Device.lotNumber', 'Device.distinctIdentifier', 'Device.url', 'Endpoint.address', 'AuditEvent.agent.network'),
  // Dates: the year stays; a birth year revealing an age of 90 or more becomes the sentinel year.
  { path: '*.birthDate', action: 'generalize', to: 'year', capAge: true, onInvalid: 'redact' },
  ...ageCap(...['onsetAge', 'abatementAge', 'ageAge', 'deceasedAge', 'performedAge', 'timingAge', 'valueAge'].map((element) => `*..${element}.value`)),
  ...ageCap(...YEAR_UNITS.map((unit) => `*..valueQuantity.where(${unit}).value`)),
  // Codes are never dates, even when eight digits read like one (a SNOMED code is not 20010101).
  ...keep('*..coding.code'),
  { path: '*..*', when: 'date', action: 'generalize', to: 'year', onInvalid: 'redact' },
  // Whatever else looks like an identifier by its shape.
  { path: '*..*', when: 'ssn', action: 'redact' },
  { path: '*..*', when: 'phone', action: 'redact' },
  { path: '*..*', when: 'email', action: 'redact' },
  { path: '*..*', when: 'ip', action: 'redact' },
  // Strings with an identifier or a full date inside other text (a URL as a whole is structural in FHIR).
  { path: '*..*', when: 'embedded', action: 'redact' },
];
