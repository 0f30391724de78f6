import { isIP } from 'node:net';
import type { ValueKind } from '../policies/policy-document.js';

/**
 * What a string value looks like, for rules narrowed with `when` and for the date actions. Deliberately
 * strict: a bare run of digits is never taken for a phone number or an SSN, because clinical codes (SNOMED,
 * LOINC, claim lines) are bare digits too.
 */

/** A date written YYYY-MM-DD, YYYY-MM, MM/DD/YYYY or ISO 8601 date-time; the parts are kept as written. */
export interface DateParts {
  readonly year: number;
  readonly month: number | null;
  readonly day: number | null;
  /** How to write a shifted date back: the layout and the untouched time-of-day suffix. */
  readonly layout: 'iso' | 'us';
  readonly suffix: string;
}

const ISO_DATE = /^(\d{4})-(\d{2})(?:-(\d{2})((?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(?:Z|[+-]\d{2}:?\d{2})?)?)?$/;
const US_DATE = /^(\d{2})\/(\d{2})\/(\d{4})$/;
const SSN = /^\d{3}-\d{2}-\d{4}$/;
const PHONE = /^(?:\+1[ .-]?)?(?:\(\d{3}\) ?|\d{3}[-. ])\d{3}[-. ]\d{4}$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}\.[A-Za-z]{2,63}$/;
const URL_SHAPE = /^(?:(?:https?|ftp):\/\/|www\.)\S+$/i;
const ZIP = /^\d{5}(?:-\d{4})?$/;

export function parseDate(value: string): DateParts | null {
  const first = value.charCodeAt(0);
  if (first < 48 || first > 57) return null;
  const iso = ISO_DATE.exec(value);
  if (iso !== null) {
    const parts: DateParts = {
      year: Number(iso[1]),
      month: Number(iso[2]),
      day: iso[3] === undefined ? null : Number(iso[3]),
      layout: 'iso',
      suffix: iso[4] ?? '',
    };
    return isReal(parts) ? parts : null;
  }
  const us = US_DATE.exec(value);
  if (us === null) return null;
  const parts: DateParts = { year: Number(us[3]), month: Number(us[1]), day: Number(us[2]), layout: 'us', suffix: '' };
  return isReal(parts) ? parts : null;
}

function isReal({ year, month, day }: DateParts): boolean {
  if (year < 1 || month === null || month < 1 || month > 12) return false;
  if (day === null) return true;
  return day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export function looksLike(kind: ValueKind, value: string): boolean {
  if (value.length === 0 || value.length > 320) return false;
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
