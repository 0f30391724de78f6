import { formatDate, parseDate } from './date-shapes.js';

/**
 * The generalizing actions as pure functions. Each answers the new value, or why the value does not fit
 * (a rule name, never the value). Output types follow the record's dialect: FHIR keeps numbers numeric.
 */
export type Generalized = { readonly value: unknown } | { readonly invalid: string };

/**
 * Three-digit ZIP prefixes whose areas held 20,000 people or fewer in the 2000 Census (HHS guidance for
 * 45 CFR 164.514(b)(2)(i)(B)); Safe Harbor replaces them with 000.
 */
export const RESTRICTED_ZIP3: ReadonlySet<string> = new Set([
  '036', '059', '063', '102', '203', '556', '692', '790', '821', '823', '830', '831', '878', '879', '884', '890', '893',
]);

/** Ages of this many years or more are one category ("90+"). */
export const AGE_TOP_CODE = 90;

const YEAR_ONLY = /^\d{4}$/;
const ZIP = /^(\d{3})\d{2}(?:-\d{4})?$/;
const AGE = /^\d{1,3}(?:\.\d+)?$/;

/**
 * The year of a date. With `capAge` (birth dates), a year making the person 90 or older in `processingYear`
 * becomes the sentinel `processingYear - 90`: everyone aged 90 or more shares that one year. The test is on
 * years alone (the day is gone), so someone who turns 90 later this year is already counted in.
 */
export function toYear(value: unknown, capAge: boolean, processingYear: number): Generalized {
  let year: number | null = null;
  if (typeof value === 'string') {
    if (YEAR_ONLY.test(value)) year = Number(value);
    else year = parseDate(value, processingYear)?.year ?? null;
  } else if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 9999) {
    year = value;
  }
  if (year === null || year < 1) return { invalid: 'is not a date (YYYY-MM-DD, MM/DD/YYYY, YYYYMMDD, Oct 6, 2014, an ISO date-time or a year)' };
  if (capAge && processingYear - year >= AGE_TOP_CODE) year = processingYear - AGE_TOP_CODE;
  return { value: typeof value === 'number' ? year : String(year).padStart(4, '0') };
}

/** The first three digits of a US ZIP or ZIP+4, or 000 for a restricted prefix. */
export function toZip3(value: unknown): Generalized {
  let text: string | null = null;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 99_999) text = String(value).padStart(5, '0');
  const match = text === null ? null : ZIP.exec(text);
  if (match === null) return { invalid: 'is not a US ZIP code (ddddd or ddddd-dddd)' };
  return { value: RESTRICTED_ZIP3.has(match[1]) ? '000' : match[1] };
}

/**
 * An age in years as a band of `width` years ("30-39"), 90 and over as "90+". Width 1 keeps ages under 90
 * as they are. FHIR quantities stay numbers: the band's lower bound, 90 for 90 and over.
 */
export function toAgeBand(value: unknown, width: number, fhir: boolean): Generalized {
  let age: number | null = null;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) age = value;
  else if (typeof value === 'string' && AGE.test(value)) age = Number(value);
  if (age === null || age > 150) return { invalid: 'is not an age in years' };
  if (age >= AGE_TOP_CODE) return { value: fhir ? AGE_TOP_CODE : `${AGE_TOP_CODE}+` };
  if (width === 1) return { value: fhir ? Math.floor(age) : value };
  const lower = Math.floor(age / width) * width;
  if (fhir) return { value: lower };
  const upper = Math.min(lower + width - 1, AGE_TOP_CODE - 1);
  return { value: `${lower}-${upper}` };
}

const MS_PER_DAY = 86_400_000;

/** The date moved by `days`, written as it came (layout and time of day kept). Needs a full date. */
export function shiftDate(value: unknown, days: number): Generalized {
  const parts = typeof value === 'string' ? parseDate(value) : null;
  if (parts === null || parts.month === null || parts.day === null) return { invalid: 'is not a full date (YYYY-MM-DD, MM/DD/YYYY, YYYYMMDD, Oct 6, 2014 or an ISO date-time)' };
  // setUTCFullYear, unlike Date.UTC, does not read years 0-99 as 1900-1999.
  const start = new Date(0);
  start.setUTCFullYear(parts.year, parts.month - 1, parts.day);
  const shifted = new Date(start.getTime() + days * MS_PER_DAY);
  const year = shifted.getUTCFullYear();
  if (year < 1 || year > 9999) return { invalid: 'would leave the calendar when shifted' };
  return { value: formatDate(year, shifted.getUTCMonth() + 1, shifted.getUTCDate(), parts.layout) };
}
