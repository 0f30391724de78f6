import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { VaultError, type FieldError } from '../errors/vault-error.js';

/**
 * `items[3].value` from zod's `['items', 3, 'value']`. Invariant: every step comes from a schema (the
 * request schemas are strict objects and arrays, no records), so a path never holds a key the caller chose;
 * unknown keys are reported at their object's path, unnamed (see toFieldErrors).
 */
export function formatPath(path: readonly PropertyKey[], root = '(body)'): string {
  let text = '';
  for (const step of path) {
    if (typeof step === 'number') text += `[${step}]`;
    else text += text === '' ? String(step) : `.${String(step)}`;
  }
  return text === '' ? root : text;
}

/**
 * zod's built-in wording (the default locale), which names what was received or quotes input. A message that
 * looks like one of these is replaced by ours; any other message was written in a schema and is ours already.
 */
const ZOD_DEFAULT_MESSAGE = /^(Invalid|Too (big|small)|Unrecognized)\b/;

/** A message a schema author wrote (`.regex(re, '...')`, `{ error: '...' }`, refine), if there is one. */
function authoredMessage(issue: z.core.$ZodIssue): string | undefined {
  return issue.message !== '' && !ZOD_DEFAULT_MESSAGE.test(issue.message) ? issue.message : undefined;
}

/**
 * A missing field, as opposed to one with a wrong value. zod keeps the input in its issues only when asked
 * (`reportInput`, as ZodPipe does; the input is looked at here and never copied out); without it, only a
 * type mismatch can be told apart, by zod's wording.
 */
function isMissing(issue: z.core.$ZodIssue): boolean {
  if ('input' in issue) return issue.input === undefined;
  return issue.code === 'invalid_type' && / received undefined$/.test(issue.message);
}

/**
 * Our own wording for each zod issue. None quotes the input: not a received value (an unknown enum member,
 * a wrong literal, a too-long string), not an unknown key's name. Limits and allowed values come from the
 * schema. Exhaustive over zod's issue codes, so a new code is noticed at compile time.
 */
function messageFor(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return isMissing(issue) ? 'is required' : (authoredMessage(issue) ?? `must be ${article(issue.expected)}`);
    case 'too_small':
      return issue.origin === 'string'
        ? `must be at least ${issue.minimum} characters`
        : issue.origin === 'array'
          ? `must have at least ${issue.minimum} item${Number(issue.minimum) === 1 ? '' : 's'}`
          : `must be at least ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'string'
        ? `must be at most ${issue.maximum} characters`
        : issue.origin === 'array'
          ? `must have at most ${issue.maximum} items`
          : `must be at most ${issue.maximum}`;
    case 'invalid_value':
      if (isMissing(issue)) return 'is required';
      return `must be one of ${issue.values.map((allowed) => JSON.stringify(allowed)).join(', ')}`;
    case 'unrecognized_keys':
      return issue.keys.length === 1 ? 'has an unknown field' : `has ${issue.keys.length} unknown fields`;
    case 'invalid_format':
      return authoredMessage(issue) ?? `must be a valid ${issue.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'invalid_union':
    case 'invalid_key':
    case 'invalid_element':
    case 'custom':
      return authoredMessage(issue) ?? 'is not valid';
    default: {
      const unreachable: never = issue;
      void unreachable;
      return 'is not valid';
    }
  }
}

function article(expected: string): string {
  return expected === 'array' || expected === 'object' || expected === 'integer' ? `an ${expected}` : `a ${expected}`;
}

/** Issues to field errors, in zod's order. An object with unknown keys is one error at the object's path. */
export function toFieldErrors(error: z.ZodError, root = '(body)'): FieldError[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path, root), message: messageFor(issue) }));
}

/**
 * zod copies the context it is given as `{ ...context, async: false }`. Handed one that holds `async` already, the
 * copy adds no field, so it makes no new hidden class per call (Node 20's V8 does, for each field added to such a copy).
 */
const syncContext = { reportInput: true, async: false };
const PARSE_CONTEXT: z.core.ParseContext<z.core.$ZodIssue> = syncContext;

/** Validates a request part against a zod schema; 422 problem+json naming every bad field. */
export class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(private readonly schema: S) {}

  /** An issue about the part as a whole (an unknown field at the top) is reported at `(body)` or `(query)`. */
  transform(input: unknown, metadata?: ArgumentMetadata): z.output<S> {
    const result = this.schema.safeParse(input, PARSE_CONTEXT);
    if (!result.success) throw VaultError.validation(toFieldErrors(result.error, metadata?.type === 'query' ? '(query)' : '(body)'));
    return result.data;
  }
}
