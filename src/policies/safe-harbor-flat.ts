import type { Rule } from './policy-document.js';

/**
 * Safe Harbor for flat records: fields are recognized by name (compared case-insensitively without `_`, `-`
 * or spaces, so `FIRST_NAME`, `firstName` and `first name` are one name), then by the shape of the value.
 * Names are written here already normalized. Order matters: the first rule selecting a value governs it.
 */

/** A rule without its path (distributes over the union, so each action keeps its own options). */
type RuleBody = Rule extends infer R ? (R extends Rule ? Omit<R, 'path'> : never) : never;

const byName = (names: readonly string[], body: RuleBody): Rule[] => names.map((name) => ({ path: `$..${name}`, ...body }) as Rule);

/** Social Security numbers: removed (see the policy description, item G, for why they are not tokens). */
export const SSN_FIELDS = ['ssn', 'socialsecuritynumber', 'socialsecurity', 'socialsecurityno', 'ssnumber'];
/** The covered entity's own record numbers: deterministic vault tokens, its re-identification codes. */
export const MRN_FIELDS = ['mrn', 'medicalrecordnumber', 'medicalrecordno', 'medicalrecord', 'chartnumber'];
export const HEALTH_PLAN_FIELDS = [
  'healthplan', 'healthplanid', 'healthplannumber', 'healthplanbeneficiarynumber', 'memberid', 'membernumber', 'subscriberid',
  'subscribernumber', 'beneficiaryid', 'insuranceid', 'insurancenumber', 'policynumber', 'medicaidid', 'medicaidnumber',
  'medicareid', 'medicarenumber', 'mbi', 'hicn',
];
export const ACCOUNT_FIELDS = ['account', 'accountid', 'accountnumber', 'accountno', 'acct', 'acctnumber', 'billingaccount'];

/** Record keys that join records of one patient: deterministic vault tokens, so joins hold across records and calls. */
export const RECORD_KEY_FIELDS = [
  'id', 'patient', 'patientid', 'patientref', 'personid', 'subjectid', 'encounter', 'encounterid', 'visitid', 'claim', 'claimid', 'claimnumber',
];

export const NAME_FIELDS = [
  'first', 'firstname', 'given', 'givenname', 'middle', 'middlename', 'middleinitial', 'last', 'lastname', 'family',
  'familyname', 'surname', 'name', 'fullname', 'patientname', 'maiden', 'maidenname', 'mothersmaidenname', 'prefix',
  'suffix', 'nickname', 'alias',
];
export const LICENCE_VEHICLE_DEVICE_FIELDS = [
  'drivers', 'driverslicense', 'driverslicence', 'driverslicensenumber', 'dl', 'license', 'licence', 'licensenumber',
  'licencenumber', 'passport', 'passportnumber', 'passportno', 'certificate', 'certificatenumber', 'vin', 'vehicle', 'vehicleid',
  'vehicleidentificationnumber', 'licenseplate', 'licenceplate', 'plate', 'platenumber', 'device', 'deviceid',
  'deviceidentifier', 'serialnumber', 'serial', 'udi', 'imei', 'macaddress',
];
export const CONTACT_FIELDS = [
  'phone', 'phonenumber', 'telephone', 'tel', 'homephone', 'workphone', 'mobile', 'mobilephone', 'cell', 'cellphone', 'fax',
  'faxnumber', 'email', 'emailaddress', 'url', 'website', 'homepage', 'web', 'ip', 'ipaddress', 'ipv4', 'ipv6',
];
export const ZIP_FIELDS = ['zip', 'zipcode', 'zip5', 'postalcode', 'postcode', 'postal'];
export const GEOGRAPHY_FIELDS = [
  'address', 'address1', 'address2', 'addressline', 'addressline1', 'addressline2', 'streetaddress', 'street', 'city', 'town',
  'county', 'district', 'neighborhood', 'precinct', 'lat', 'lon', 'lng', 'long', 'latitude', 'longitude', 'geolocation',
  'coordinates', 'birthplace', 'placeofbirth',
];
export const BIRTH_DATE_FIELDS = ['birthdate', 'dob', 'dateofbirth', 'birthday', 'birthdt'];
export const DEATH_DATE_FIELDS = ['deathdate', 'dod', 'dateofdeath', 'deceaseddate'];
export const AGE_FIELDS = ['age', 'ageyears', 'patientage', 'ageatvisit', 'ageatencounter', 'ageatdiagnosis', 'ageatonset', 'ageatdeath', 'ageatadmission'];
/** Fields that hold free text (names, places and dates in prose no shape test can find): removed whole. */
export const FREE_TEXT_FIELDS = [
  'text', 'freetext', 'note', 'notes', 'comment', 'comments', 'remark', 'remarks', 'narrative', 'description', 'desc',
  'reason', 'reasondescription', 'reasonforvisit', 'message', 'msg', 'summary', 'dischargesummary', 'history', 'medicalhistory',
  'socialhistory', 'familyhistory', 'hpi', 'historyofpresentillness', 'chiefcomplaint', 'complaint', 'assessment', 'impression',
  'findings', 'instructions', 'memo', 'details', 'subjective', 'transcript', 'clinicalnote', 'clinicalnotes', 'progressnote',
  'progressnotes',
];

/**
 * Linkable identifiers become deterministic vault tokens: the token is a uniform random draw that the vault
 * maps to the value (not derived from it: the re-identification code of 164.514(c)), and one value always
 * gets the same token, so a patient's records still join. A value that is not MRN-shaped gets a text token.
 */
const LINKABLE = { action: 'tokenize', type: 'mrn', mode: 'deterministic', onInvalid: 'text' } as const;

export const SAFE_HARBOR_FLAT_RULES: readonly Rule[] = [
  ...byName([...MRN_FIELDS, ...HEALTH_PLAN_FIELDS, ...ACCOUNT_FIELDS, ...RECORD_KEY_FIELDS], LINKABLE),
  ...byName([...SSN_FIELDS, ...NAME_FIELDS, ...LICENCE_VEHICLE_DEVICE_FIELDS, ...CONTACT_FIELDS], { action: 'redact' }),
  ...byName(ZIP_FIELDS, { action: 'generalize', to: 'zip3', onInvalid: 'redact' }),
  ...byName(GEOGRAPHY_FIELDS, { action: 'redact' }),
  ...byName(BIRTH_DATE_FIELDS, { action: 'generalize', to: 'year', capAge: true, onInvalid: 'redact' }),
  ...byName(DEATH_DATE_FIELDS, { action: 'generalize', to: 'year', onInvalid: 'redact' }),
  ...byName(AGE_FIELDS, { action: 'generalize', to: 'ageband', width: 1, onInvalid: 'redact' }),
  ...byName(FREE_TEXT_FIELDS, { action: 'redact' }),
  // Fields no name rule caught are still checked by the shape of their value.
  { path: '$..*', when: 'date', action: 'generalize', to: 'year', onInvalid: 'redact' },
  { path: '$..*', when: 'ssn', action: 'redact' },
  { path: '$..*', when: 'phone', action: 'redact' },
  { path: '$..*', when: 'email', action: 'redact' },
  { path: '$..*', when: 'url', action: 'redact' },
  { path: '$..*', when: 'ip', action: 'redact' },
  // Any other string with one of those shapes inside it ("call 617-555-0100", "seen on Oct 6, 2014").
  { path: '$..*', when: 'embedded', action: 'redact' },
];
