import { describe, expect, it } from 'vitest';
import { VaultError } from '../../../src/common/errors/vault-error.js';
import { FHIR_R4_RESOURCE_TYPES } from '../../../src/policies/fhir-resource-types.js';
import { checkFhirElements } from '../../../src/policies/fhir-r4/element-paths.js';
import { FHIR_R4_ELEMENTS } from '../../../src/policies/fhir-r4/elements.js';
import { parseRulePath, type RulePath } from '../../../src/policies/rule-path.js';
import { SAFE_HARBOR } from '../../../src/policies/safe-harbor.js';
import { validatePolicyDocument } from '../../../src/policies/validate-policy.js';

const check = (text: string) => {
  const path = parseRulePath(text) as Extract<RulePath, { dialect: 'fhir' }>;
  expect(path.dialect).toBe('fhir');
  return checkFhirElements(path.resourceType, path.steps);
};

describe('FHIR R4 element names in rule paths', () => {
  it('the generated table covers every R4 resource type', () => {
    for (const type of FHIR_R4_RESOURCE_TYPES) expect(FHIR_R4_ELEMENTS[type], type).toBeDefined();
  });

  it.each([
    'Patient.name',
    'Patient.name.given',
    'Patient.address.postalCode',
    'Patient.contact.telecom.value',
    '*.birthDate',
    'Observation.value[x]',
    'Observation.valueQuantity.value',
    "Observation.valueQuantity.where(code='a').value",
    'Observation.component.valueQuantity.unit',
    "*..identifier.where(type.coding.code='MR').value",
    "*..extension.where(url='http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName')",
    '*..valueAge.value',
    'Patient._birthDate.extension',
    'Questionnaire.item.item.linkId',
    'Bundle.entry.request.url',
    'Bundle.entry.resource',
    'Patient.*',
    '*..*',
    '*..display',
    'Patient.meta.source',
  ])('accepts %s', (text) => {
    expect(check(text)).toBeNull();
  });

  it.each([
    ['Patient.nmae', 'step 1'],
    ['Observation.foo.bar', 'step 1'],
    ['Patient.name.given.x', 'primitive'],
    ['Patient.address.zip', 'step 2'],
    ['*.nmae', 'step 1'],
    ['*..nmae', 'step 1'],
    ['Patient.name[x]', 'choice'],
    ['Observation.valueQuantity.nope', 'step 2'],
    ["Patient.identifier.where(tpye.coding.code='MR').value", 'filters'],
    ['Patient._name', 'step 1'],
    ['Bundle.entry.resource.name', 'step 3'],
  ])('rejects %s', (text, words) => {
    expect(check(text)).toContain(words);
  });

  it('a saved policy naming an unknown element is 422 naming the rule, without quoting the path', () => {
    try {
      validatePolicyDocument({ rules: [{ path: 'Patient.name', action: 'redact' }, { path: 'Patient.nmaeZyx', action: 'redact' }, { path: 'Observation.foo.bar', action: 'keep' }] });
      throw new Error('expected a rejection');
    } catch (error) {
      expect(error).toBeInstanceOf(VaultError);
      const errors = (error as VaultError).errors ?? [];
      expect(errors.map((item) => item.path)).toEqual(['rules[1].path', 'rules[2].path']);
      expect(JSON.stringify(errors)).not.toContain('nmaeZyx');
    }
  });

  it('every FHIR rule of the built-in safe-harbor names real R4 elements', () => {
    for (const rule of SAFE_HARBOR.rules) {
      const path = parseRulePath(rule.path);
      if ('invalid' in path || path.dialect !== 'fhir') continue;
      expect(checkFhirElements(path.resourceType, path.steps), rule.path).toBeNull();
    }
  });
});
