import type { PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { VaultError, type FieldError } from '../errors/vault-error.js';

/** `items[3].value` from zod's `['items', 3, 'value']`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const step of path) {
    if (typeof step === 'number') text += `[${step}]`;
    else text += text === '' ? String(step) : `.${String(step)}`;
  }
  return text === '' ? '(body)' : text;
}

/**
 * Our own wording for each zod issue. zod's defaults are mostly safe, but some quote input (unrecognized
 * keys, literal mismatches); these never do. Keys named in a path are field names, not values.
 */
function messageFor(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'is required' : `must be ${article(issue.expected)}`;
    case 'too_small':
      return issue.origin === 'string'
        ? `must be at least ${issue.minimum} characters`
        : issue.origin === 'array'
          ? `must have at least ${issue.minimum} item${issue.minimum === 1 ? '' : 's'}`
          : `must be at least ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'string'
        ? `must be at most ${issue.maximum} characters`
        : issue.origin === 'array'
          ? `must have at most ${issue.maximum} items`
          : `must be at most ${issue.maximum}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return 'is not a known field';
    case 'invalid_format':
      return issue.message && !issue.message.startsWith('Invalid') ? issue.message : `must be a valid ${issue.format}`;
    case 'custom':
      return issue.message;
    default:
      return 'is not valid';
  }
}

function article(expected: string): string {
  return expected === 'array' || expected === 'object' || expected === 'integer' ? `an ${expected}` : `a ${expected}`;
}

/** Issues to field errors; an unknown key is reported at its own path. */
export function toFieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: messageFor(issue) }))
      : [{ path: formatPath(issue.path), message: messageFor(issue) }],
  );
}

/** Validates a request part against a zod schema; 422 problem+json naming every bad field. */
export class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(private readonly schema: S) {}

  transform(input: unknown): z.output<S> {
    const result = this.schema.safeParse(input);
    if (!result.success) throw VaultError.validation(toFieldErrors(result.error));
    return result.data;
  }
}
