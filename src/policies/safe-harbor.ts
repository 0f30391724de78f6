import type { MaskingPolicy } from './policy-document.js';
import { SAFE_HARBOR_FHIR_RULES } from './safe-harbor-fhir.js';
import { SAFE_HARBOR_FLAT_RULES } from './safe-harbor-flat.js';

export const SAFE_HARBOR_NAME = 'safe-harbor';

/** When this built-in policy last changed (its `updatedAt`); bump `version` with it. */
const SAFE_HARBOR_RELEASED = new Date('2026-12-01T21:00:00.000Z');

const DESCRIPTION = [
  'HIPAA Safe Harbor (45 CFR 164.514(b)(2)): removes or replaces the 18 identifiers of the individual and of relatives, employers and household members. Built in and read-only: PUT and DELETE answer 409; copy it under another name to adapt it.',
  'Rule order: every value is governed by the first rule whose path selects it or an element containing it; values no rule selects are kept.',
  'Flat records: fields are recognized by name, compared case-insensitively without "_", "-" or spaces (FIRST, first_name and First Name are one name), at any depth; a field no name rule catches is still checked by the shape of its value (dates, SSNs, formatted phone numbers, e-mail addresses, URLs, IP addresses), and a string with one of those shapes or a full date inside other text ("call 617-555-0100", "seen on Oct 6, 2014") is redacted whole. A redacted flat field becomes null, so every record keeps its columns.',
  'FHIR R4 resources (a record with a resourceType): rules by element; Bundles and contained resources are handled resource by resource; a redacted element is removed, and so is an element left empty by it. A Bundle is one line: if any resource in it cannot be de-identified, the whole line becomes an error line (never a partly de-identified Bundle).',
  '(A) Names of patients, relatives and staff: redacted (flat name fields; FHIR HumanName of Patient, Practitioner, RelatedPerson and Person, every contact, reference displays, the mothersMaidenName extension).',
  '(B) Geography below the state: street, city, county, district, address text, birthplace, latitude and longitude redacted; the state and country stay. ZIP codes keep their first three digits ("021"), and the 17 three-digit prefixes whose areas held 20,000 people or fewer (036, 059, 063, 102, 203, 556, 692, 790, 821, 823, 830, 831, 878, 879, 884, 890, 893) become "000". A postal code that is not a US ZIP is redacted.',
  '(C) Dates: only the year stays ("2014-10-06", "2014-10-06T16:17:47Z", "10/06/2014", "10/6/14", "20141006", "Oct 6, 2014" and "6 October 2014" become "2014"), for birth, death, admission, discharge, encounter, observation, claim and every other date-shaped value, FHIR instants included (so those are no longer valid instants); a full date inside other text removes that text. Birth dates: a year that makes the person 90 or older in the year of processing becomes the sentinel year (processing year - 90), one category for everyone aged 90 or more. Ages of 90 or more become "90+" (FHIR: 90): flat age fields, and in FHIR every Age (onsetAge, abatementAge, FamilyMemberHistory ageAge and deceasedAge, performedAge, timingAge, extension valueAge) and Observation valueQuantity in years (UCUM "a", or unit a, y, yr, year, years); lower ages stay.',
  '(D, E, F) Telephone and fax numbers and e-mail addresses: redacted (flat fields, every FHIR telecom, and any value shaped like one).',
  '(G) Social Security numbers: redacted, not tokenized. The covered entity re-identifies a record by its own numbers (H, I, J below); a reversible SSN in every extract would multiply the places an SSN can be revealed from, and would cost a stored, audited vault row per record. Copy this policy with a tokenize rule (type ssn) where SSN tokens are required.',
  '(H, I, J) Medical record numbers, health plan beneficiary numbers and account numbers: replaced by vault tokens (type mrn) in deterministic mode, the re-identification code of 164.514(c): the token is a uniformly random draw that the vault maps to the value, not derived from it, and only callers allowed to detokenize reveal the value (POST /v1/detokenize). One value always maps to one token, so a patient\'s records link across records and calls. A value that does not fit the mrn type becomes a text token. Tokens carry the tag deid:safe-harbor.',
  '(K, L, M) Certificate and licence numbers (drivers, passport), vehicle identifiers and serial numbers, device identifiers (UDI, serial and lot numbers), and every FHIR identifier value not listed under H-J: redacted (identifier system and type stay).',
  '(N, O) URLs and IP addresses: redacted (flat fields and values of that shape; FHIR attachments, Endpoint.address, AuditEvent network addresses).',
  '(P, Q) Biometric identifiers and photographs: FHIR photos and every attachment are redacted.',
  '(R) Other unique identifying numbers: record keys that join records (flat id, patient, encounter and claim fields; FHIR resource ids, references and Bundle fullUrls) become deterministic vault tokens like H-J (type mrn, text when shorter than 4 characters), so joins hold across records and calls; FHIR references are tokenized by their id part (Patient/123 becomes Patient/<the token of 123>, urn:uuid:<u> becomes urn:uuid:<the token of u>), so they keep resolving to the tokenized ids. No code in this policy is derived from a value. Organization, provider and payer keys are not the individual\'s and stay; FHIR Organization and Location names (which often carry a town) become text tokens the same way, and their aliases are redacted.',
  'Free text: FHIR narrative, notes, comments, descriptions, summaries, conclusions, dosage text, string and markdown values and extensions are redacted; so are flat free-text fields (text, note(s), comment(s), remark(s), narrative, description, reason, message, summary, history, chief complaint, assessment, impression, findings, instructions, ...). Coded values (codes, coding displays, race, ethnicity, birth sex, gender, marital status) stay.',
  'Not covered: names and places inside free-form values of fields this policy does not know by name (for example a name in an unrecognized column), and bare digit runs inside text (they may be codes); review unknown columns before release, or add rules in a copy of this policy.',
].join('\n');

export const SAFE_HARBOR: MaskingPolicy = Object.freeze({
  name: SAFE_HARBOR_NAME,
  version: 2,
  builtIn: true,
  createdAt: SAFE_HARBOR_RELEASED,
  createdBy: 'phi-vault',
  description: DESCRIPTION,
  fieldNames: 'normalized',
  rules: [...SAFE_HARBOR_FHIR_RULES, ...SAFE_HARBOR_FLAT_RULES],
});
