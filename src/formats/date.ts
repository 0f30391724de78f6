import { randomInt } from 'node:crypto';
import { drawWhere } from './draw.js';
import type { Parsed, TokenFormat } from './format.js';

/** `iso` is YYYY-MM-DD (also the canonical form), `us` is MM/DD/YYYY. */
export type DateLayout = 'iso' | 'us';

const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;
const US = /^(\d{2})\/(\d{2})\/(\d{4})$/;

const MS_PER_DAY = 86_400_000;
/** Days from 0001-01-01 to 9999-12-31 inclusive, proleptic Gregorian: the token space of every date. */
export const DAYS_IN_CALENDAR = 3_652_059;
const FIRST_DAY_MS = new Date(0).setUTCFullYear(1, 0, 1);

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

interface DateParts {
  readonly year: string;
  readonly month: string;
  readonly day: string;
  readonly layout: DateLayout;
}

function splitDate(text: string): DateParts | null {
  const iso = ISO.exec(text);
  if (iso) return { year: iso[1], month: iso[2], day: iso[3], layout: 'iso' };
  const us = US.exec(text);
  if (us) return { year: us[3], month: us[1], day: us[2], layout: 'us' };
  return null;
}

function isRealDate({ year, month, day }: DateParts): boolean {
  const [y, m, d] = [Number(year), Number(month), Number(day)];
  return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);
}

function toParsed(parts: DateParts): Parsed<DateLayout> {
  return { canonical: `${parts.year}-${parts.month}-${parts.day}`, layout: parts.layout };
}

/** The canonical date `dayIndex` days after 0001-01-01 (dayIndex in [0, DAYS_IN_CALENDAR)). */
export function dateOfDayIndex(dayIndex: number): string {
  const date = new Date(FIRST_DAY_MS + dayIndex * MS_PER_DAY);
  const year = String(date.getUTCFullYear()).padStart(4, '0');
  const month = String(date.getUTCMonth() + 1).padStart(2, '0');
  const day = String(date.getUTCDate()).padStart(2, '0');
  return `${year}-${month}-${day}`;
}

/** How many days a canonical date lies after 0001-01-01: the inverse of dateOfDayIndex. */
export function dayIndexOf(canonical: string): number {
  const midnight = new Date(0).setUTCFullYear(Number(canonical.slice(0, 4)), Number(canonical.slice(5, 7)) - 1, Number(canonical.slice(8, 10)));
  return Math.round((midnight - FIRST_DAY_MS) / MS_PER_DAY);
}

export const dateFormat: TokenFormat<DateLayout> = {
  type: 'date',

  parseValue(value) {
    const parts = splitDate(value);
    if (!parts) return { invalid: 'date must be YYYY-MM-DD or MM/DD/YYYY' };
    if (!isRealDate(parts)) return { invalid: 'date must be a real calendar date between 0001-01-01 and 9999-12-31' };
    return toParsed(parts);
  },

  /** Tokens are real dates too. */
  parseToken(token) {
    const parts = splitDate(token);
    return parts && isRealDate(parts) ? toParsed(parts) : null;
  },

  render(canonical, layout) {
    return layout === 'iso' ? canonical : `${canonical.slice(5, 7)}/${canonical.slice(8, 10)}/${canonical.slice(0, 4)}`;
  },

  /** Uniform over every day of 0001..9999 other than the value. */
  randomToken(canonicalValue) {
    return drawWhere(
      () => dateOfDayIndex(randomInt(DAYS_IN_CALENDAR)),
      (candidate) => candidate !== canonicalValue,
    );
  },

  tokenSpaceSize() {
    return BigInt(DAYS_IN_CALENDAR);
  },
};
