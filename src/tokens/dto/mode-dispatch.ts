import { z } from 'zod';

/**
 * A body schema chosen by the body's own `mode` field: `fpe` bodies have fields and rules of their own
 * (CONTRACT section 10), every other body is validated exactly as before fpe existed. Choosing first and
 * validating once means a 422 still names every bad field in one answer.
 */
export function dispatchOnMode<F extends z.ZodType, V extends z.ZodType>(fpe: F, vault: V) {
  const dispatch = z.unknown().transform((input, context): z.output<F> | z.output<V> => {
    const fpeMode = typeof input === 'object' && input !== null && (input as { mode?: unknown }).mode === 'fpe';
    const result = (fpeMode ? fpe : vault).safeParse(input);
    if (result.success) return result.data as z.output<F> | z.output<V>;
    for (const issue of result.error.issues) context.addIssue({ ...issue });
    return z.NEVER;
  });
  // The two bodies, for the OpenAPI document (a transform has no JSON Schema of its own).
  return Object.assign(dispatch, { variants: [vault, fpe] as const });
}

/** A field one mode does not take: refused with a message saying why, instead of "not a known field". */
export function refusedField(message: string) {
  return z.custom<never>(() => false, { message }).optional();
}
