import { SCOPES, type Principal } from '../auth/principal.js';
import type { FieldError } from '../common/errors/vault-error.js';

/** CONTRACT section 5: break-glass is for care, and must be explained at some length. */
export const BREAK_GLASS_PURPOSES: ReadonlySet<string> = new Set(['emergency', 'treatment']);
export const BREAK_GLASS_MIN_JUSTIFICATION = 30;

export function mayBreakGlass(principal: Principal): boolean {
  return principal.scopes.has(SCOPES.breakGlass);
}

/**
 * What makes a break-glass request invalid (422). Checked only after the scope (403), so a caller who may not
 * break the glass learns nothing about the rules. The justification is counted without surrounding spaces.
 */
export function breakGlassRuleViolations(request: { readonly purpose: string; readonly justification: string }): FieldError[] {
  const errors: FieldError[] = [];
  if (!BREAK_GLASS_PURPOSES.has(request.purpose)) errors.push({ path: 'purpose', message: 'break-glass needs purpose "emergency" or "treatment"' });
  if (request.justification.trim().length < BREAK_GLASS_MIN_JUSTIFICATION) {
    errors.push({ path: 'justification', message: `break-glass needs a justification of at least ${BREAK_GLASS_MIN_JUSTIFICATION} characters` });
  }
  return errors;
}
