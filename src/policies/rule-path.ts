import { FHIR_R4_RESOURCE_TYPES } from './fhir-resource-types.js';

/**
 * The two path dialects of masking rules (docs/deidentification.md has the grammar and examples).
 *
 * JSON paths, for flat records, start with `$`:
 *   `.name` or `["any name"]`   a field          `.*`   every field
 *   `..name`                    a field at any depth below   `..*`  everything below
 *   `[*]`                       every element of an array (arrays are also crossed implicitly)
 *
 * FHIR R4 element paths start with a resource type or `*` (any resource):
 *   `.element`, `.value[x]` (any choice type), `.*`, `..element`, `..*` as above (`..` is our extension), and
 *   `.where(child.path='literal')`, which keeps the elements having that value at that relative path.
 *
 * Arrays are transparent in both dialects: `Patient.name.given` and `$.list.x` step through them.
 */
export type Step =
  | { readonly kind: 'child'; readonly name: string; readonly choice: boolean }
  | { readonly kind: 'anyChild' }
  | { readonly kind: 'elements' }
  | { readonly kind: 'descendant'; readonly name: string; readonly choice: boolean }
  | { readonly kind: 'anyDescendant' }
  | { readonly kind: 'where'; readonly path: readonly string[]; readonly equals: string };

export type RulePath =
  | { readonly dialect: 'json'; readonly steps: readonly Step[] }
  | { readonly dialect: 'fhir'; readonly resourceType: string; readonly steps: readonly Step[] };

export interface InvalidPath {
  /** What is wrong, without quoting the path. */
  readonly invalid: string;
}

const JSON_NAME = /^[\p{L}\p{N}_-]+/u;
const FHIR_ELEMENT = /^_?[a-z][A-Za-z0-9]*(\[x\])?/;
const RESOURCE_TYPE = /^[A-Z][A-Za-z]+/;
const MAX_STEPS = 32;

export function parseRulePath(text: string): RulePath | InvalidPath {
  const parsed = text.startsWith('$') ? parseJsonPath(text) : parseFhirPath(text);
  if ('invalid' in parsed) return parsed;
  if (parsed.steps.length === 0) return { invalid: 'must name at least one field or element below the record' };
  if (parsed.steps.length > MAX_STEPS) return { invalid: `must have at most ${MAX_STEPS} steps` };
  return parsed;
}

function parseJsonPath(text: string): RulePath | InvalidPath {
  const steps: Step[] = [];
  let pos = 1;
  while (pos < text.length) {
    const descendant = text.startsWith('..', pos);
    if (descendant || text[pos] === '.') {
      pos += descendant ? 2 : 1;
      if (text[pos] === '*') {
        steps.push({ kind: descendant ? 'anyDescendant' : 'anyChild' });
        pos += 1;
        continue;
      }
      let name: string | null = null;
      if (text[pos] === '[') {
        const quoted = readQuoted(text, pos + 1);
        if (quoted === null || text[quoted.end] !== ']') return { invalid: 'has an unterminated or empty quoted field name' };
        name = quoted.value;
        pos = quoted.end + 1;
      } else {
        const match = JSON_NAME.exec(text.slice(pos));
        if (match === null) return { invalid: `needs a field name, "*" or a quoted name at character ${pos + 1}` };
        name = match[0];
        pos += name.length;
      }
      steps.push({ kind: descendant ? 'descendant' : 'child', name, choice: false });
    } else if (text.startsWith('[*]', pos)) {
      steps.push({ kind: 'elements' });
      pos += 3;
    } else if (text[pos] === '[') {
      const quoted = readQuoted(text, pos + 1);
      if (quoted === null || text[quoted.end] !== ']') return { invalid: 'has an unterminated or empty quoted field name' };
      steps.push({ kind: 'child', name: quoted.value, choice: false });
      pos = quoted.end + 1;
    } else {
      return { invalid: `has an unexpected character at position ${pos + 1} (JSON paths use $.field, $..field, [*] and ["quoted name"])` };
    }
  }
  return { dialect: 'json', steps };
}

function parseFhirPath(text: string): RulePath | InvalidPath {
  let resourceType: string;
  let pos: number;
  if (text.startsWith('*')) {
    resourceType = '*';
    pos = 1;
  } else {
    const match = RESOURCE_TYPE.exec(text);
    if (match === null) return { invalid: 'must start with "$" (a JSON path) or with a FHIR resource type or "*" (a FHIR path)' };
    if (!FHIR_R4_RESOURCE_TYPES.has(match[0])) return { invalid: 'names a resource type that FHIR R4 does not have' };
    resourceType = match[0];
    pos = match[0].length;
  }
  const steps: Step[] = [];
  while (pos < text.length) {
    const descendant = text.startsWith('..', pos);
    if (!descendant && text[pos] !== '.') return { invalid: `has an unexpected character at position ${pos + 1} (FHIR paths separate elements with ".")` };
    pos += descendant ? 2 : 1;
    if (text[pos] === '*') {
      steps.push({ kind: descendant ? 'anyDescendant' : 'anyChild' });
      pos += 1;
      continue;
    }
    if (!descendant && text.startsWith('where(', pos)) {
      const where = readWhere(text, pos + 'where('.length);
      if ('invalid' in where) return where;
      const previous = steps[steps.length - 1];
      if (previous === undefined || (previous.kind !== 'child' && previous.kind !== 'descendant')) {
        return { invalid: 'may use where(...) only right after an element name' };
      }
      steps.push(where.step);
      pos = where.end;
      continue;
    }
    const match = FHIR_ELEMENT.exec(text.slice(pos));
    if (match === null) return { invalid: `needs an element name (lowerCamelCase), "*" or where(...) at character ${pos + 1}` };
    const choice = match[1] !== undefined;
    const name = choice ? match[0].slice(0, -'[x]'.length) : match[0];
    steps.push({ kind: descendant ? 'descendant' : 'child', name, choice });
    pos += match[0].length;
  }
  return { dialect: 'fhir', resourceType, steps };
}

/** `child.path = 'literal')`, starting after `where(`. */
function readWhere(text: string, start: number): { step: Step; end: number } | InvalidPath {
  const relative = /^\s*(_?[a-z][A-Za-z0-9]*(?:\._?[a-z][A-Za-z0-9]*)*)\s*=\s*'/.exec(text.slice(start));
  if (relative === null) return { invalid: "has a where(...) that is not of the form where(element.path='value')" };
  const literal = readQuoted(text, start + relative[0].length - 1);
  if (literal === null) return { invalid: 'has a where(...) with an unterminated or empty quoted value' };
  const close = /^\s*\)/.exec(text.slice(literal.end));
  if (close === null) return { invalid: 'has a where(...) without its closing parenthesis' };
  return { step: { kind: 'where', path: relative[1].split('.'), equals: literal.value }, end: literal.end + close[0].length };
}

/** A non-empty '...' or "..." string starting at `start` (the quote), with \\ escapes; `end` is after the closing quote. */
function readQuoted(text: string, start: number): { value: string; end: number } | null {
  const quote = text[start];
  if (quote !== '"' && quote !== "'") return null;
  let value = '';
  for (let pos = start + 1; pos < text.length; pos += 1) {
    const char = text[pos];
    if (char === '\\' && pos + 1 < text.length) {
      value += text[pos + 1];
      pos += 1;
    } else if (char === quote) {
      return value === '' ? null : { value, end: pos + 1 };
    } else {
      value += char;
    }
  }
  return null;
}
