import type { z } from 'zod';
import { VaultError, type FieldError } from '../common/errors/vault-error.js';
import { formatPath, toFieldErrors } from '../common/validation/zod-body.pipe.js';
import { POLICY_NAME, POLICY_NAME_RULE, PolicyDocumentSchema, type PolicyDocument } from './policy-document.js';
import { checkFhirElements } from './fhir-r4/element-paths.js';
import { parseRulePath } from './rule-path.js';

/**
 * Validates a policy document as submitted with PUT /v1/policies/{name}: 422 naming every bad rule
 * (`rules[2].action`, `rules[0].path`, ...). Messages describe the rule broken, never quote the document.
 */
export function validatePolicyDocument(input: unknown): PolicyDocument {
  const result = PolicyDocumentSchema.safeParse(input);
  if (!result.success) throw VaultError.validation(fieldErrorsOf(result.error), 'The policy is not valid; see `errors` for the rules at fault.');
  const errors: FieldError[] = [];
  result.data.rules.forEach((rule, index) => {
    const path = parseRulePath(rule.path);
    if ('invalid' in path) {
      errors.push({ path: `rules[${index}].path`, message: path.invalid });
      return;
    }
    const unknownElement = path.dialect === 'fhir' ? checkFhirElements(path.resourceType, path.steps) : null;
    if (unknownElement !== null) {
      errors.push({ path: `rules[${index}].path`, message: unknownElement });
      return;
    }
    if (rule.action === 'dateShift' && rule.patientKey !== undefined) {
      if (path.dialect !== 'json') {
        errors.push({ path: `rules[${index}].patientKey`, message: 'applies to JSON-path rules only (FHIR resources use their patient reference)' });
      } else if (!isSimpleFieldPath(rule.patientKey)) {
        errors.push({ path: `rules[${index}].patientKey`, message: 'must be a JSON path of plain fields, like $.PATIENT or $.patient.id' });
      }
    }
  });
  if (errors.length > 0) throw VaultError.validation(errors, 'The policy is not valid; see `errors` for the rules at fault.');
  return result.data;
}

export function assertPolicyName(name: string, where = 'name'): void {
  if (!POLICY_NAME.test(name)) throw VaultError.validation([{ path: where, message: POLICY_NAME_RULE }]);
}

/** `$.a.b` with plain field steps only. */
export function isSimpleFieldPath(text: string): boolean {
  const path = parseRulePath(text);
  return !('invalid' in path) && path.dialect === 'json' && path.steps.every((step) => step.kind === 'child');
}

/** zod's issues, with an unknown action reported as the list of actions rather than "is not valid". */
function fieldErrorsOf(error: z.ZodError): FieldError[] {
  return error.issues.flatMap((issue) => {
    const options = (issue as { options?: unknown }).options;
    if (issue.code === 'invalid_union' && Array.isArray(options)) {
      return [{ path: formatPath(issue.path), message: `must be one of ${options.map((option) => JSON.stringify(option)).join(', ')}` }];
    }
    return toFieldErrors({ issues: [issue] } as z.ZodError);
  });
}
