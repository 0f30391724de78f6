import { isIP } from 'node:net';
import type { ValueKind } from '../policies/policy-document.js';
import { parseDate } from './date-shapes.js';
import { hasEmbeddedIdentifier } from './embedded-identifiers.js';

export { parseDate, type DateParts } from './date-shapes.js';

/**
 * What a string value looks like, for rules narrowed with `when` and for the date actions. Deliberately
 * strict: a bare run of digits is never taken for a phone number or an SSN, because clinical codes (SNOMED,
 * LOINC, claim lines) are bare digits too. Dates: see date-shapes.ts; identifiers inside longer text:
 * embedded-identifiers.ts.
 */
const SSN = /^\d{3}-\d{2}-\d{4}$/;
const PHONE = /^(?:\+1[ .-]?)?(?:\(\d{3}\) ?|\d{3}[-. ])\d{3}[-. ]\d{4}$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}\.[A-Za-z]{2,63}$/;
const URL_SHAPE = /^(?:(?:https?|ftp):\/\/|www\.)\S+$/i;
const ZIP = /^\d{5}(?:-\d{4})?$/;
/**
 * Longer strings are not scanned and count as `embedded`: a value this long is free text, and bounding the
 * scan bounds what one hostile value can cost.
 */
export const MAX_EMBEDDED_SCAN = 4096;

export function looksLike(kind: ValueKind, value: string): boolean {
  if (value.length === 0) return false;
  if (kind === 'embedded') return value.length > MAX_EMBEDDED_SCAN || hasEmbeddedIdentifier(value);
  if (value.length > 320) return false;
  switch (kind) {
    case 'date': {
      // Plausible years only: "8302-12" is more likely a code than December 8302.
      const date = parseDate(value);
      return date !== null && date.year >= 1000 && date.year <= 2999;
    }
    case 'ssn':
      return value.length === 11 && SSN.test(value);
    case 'phone':
      return value.length >= 12 && value.length <= 17 && PHONE.test(value);
    case 'email':
      return value.includes('@') && EMAIL.test(value);
    case 'url':
      return URL_SHAPE.test(value);
    case 'ip':
      return (value.includes('.') || value.includes(':')) && isIP(value) !== 0;
    case 'zip':
      return ZIP.test(value);
    default: {
      const unreachable: never = kind;
      throw new Error(`unknown value kind ${String(unreachable)}`);
    }
  }
}
