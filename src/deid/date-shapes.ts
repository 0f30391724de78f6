/**
 * Dates as they are written in records, for the date actions and for `when: "date"`. A value is a date only
 * when it is a real calendar date in one of these layouts (the whole value, nothing around it):
 *
 *   ISO 8601      2014-10-06, 2014-10, 2014-10-06T16:17:47Z, 2014-10-06 16:17:47.123-04:00
 *   numeric US    10/06/2014, 10/6/2014, 10/06/14, 10-06-2014 (month first; a two-digit year is read in the
 *                 century that puts it at most `pivotYear`, the year of processing)
 *   compact       20141006 (years 1800-2199 only: eight bare digits are more often a code)
 *   named month   Oct 6, 2014 / October 6 2014 / Oct. 6, 2014 / 6 October 2014 / 06-Oct-2014 / 6 OCT 2014
 *
 * Each parse keeps its layout, so a shifted date is written back the way it came.
 */
export type DateLayout =
  | { readonly kind: 'iso'; readonly suffix: string }
  | { readonly kind: 'numeric'; readonly separator: string; readonly padded: boolean; readonly shortYear: boolean }
  | { readonly kind: 'compact' }
  | {
      readonly kind: 'named';
      readonly dayFirst: boolean;
      readonly longMonth: boolean;
      readonly dot: boolean;
      readonly upper: boolean;
      readonly paddedDay: boolean;
      /** What stands between the first and second part, and between the second part and the year. */
      readonly separators: readonly [string, string];
    };

export interface DateParts {
  readonly year: number;
  readonly month: number | null;
  readonly day: number | null;
  readonly layout: DateLayout;
}

const ISO_DATE = /^(\d{4})-(\d{2})(?:-(\d{2})((?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(?:Z|[+-]\d{2}:?\d{2})?)?)?$/;
const NUMERIC_DATE = /^(\d{1,2})([/-])(\d{1,2})\2(\d{4}|\d{2})$/;
const COMPACT_DATE = /^(1[89]|2[01])(\d{2})(\d{2})(\d{2})$/;
const MONTH_FIRST = /^([A-Za-z]{3,9})(\.?)([ -])(\d{1,2})(,? |-)(\d{4})$/;
const DAY_FIRST = /^(\d{1,2})([ -])([A-Za-z]{3,9})(\.?)([ -])(\d{4})$/;

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const MAX_DATE_LENGTH = 40;

/** `pivotYear`: two-digit years are read as the latest year ending in them that is not after it. */
export function parseDate(value: string, pivotYear = new Date().getUTCFullYear()): DateParts | null {
  if (value.length < 6 || value.length > MAX_DATE_LENGTH) return null;
  const first = value.charCodeAt(0);
  if (first >= 48 && first <= 57) return parseDigitsFirst(value, pivotYear);
  if ((first >= 65 && first <= 90) || (first >= 97 && first <= 122)) return parseMonthFirst(value);
  return null;
}

function parseDigitsFirst(value: string, pivotYear: number): DateParts | null {
  const iso = ISO_DATE.exec(value);
  if (iso !== null) {
    return real({ year: Number(iso[1]), month: Number(iso[2]), day: iso[3] === undefined ? null : Number(iso[3]), layout: { kind: 'iso', suffix: iso[4] ?? '' } });
  }
  const numeric = NUMERIC_DATE.exec(value);
  if (numeric !== null) {
    const shortYear = numeric[4].length === 2;
    // A dash with a two-digit year (10-06-14) is too ambiguous to call a date.
    if (shortYear && numeric[2] === '-') return null;
    const year = shortYear ? fullYear(Number(numeric[4]), pivotYear) : Number(numeric[4]);
    const padded = numeric[1].length === 2 && numeric[3].length === 2;
    return real({ year, month: Number(numeric[1]), day: Number(numeric[3]), layout: { kind: 'numeric', separator: numeric[2], padded, shortYear } });
  }
  const compact = COMPACT_DATE.exec(value);
  if (compact !== null) return real({ year: Number(compact[1] + compact[2]), month: Number(compact[3]), day: Number(compact[4]), layout: { kind: 'compact' } });
  const named = DAY_FIRST.exec(value);
  if (named === null) return null;
  const month = monthNumber(named[3]);
  if (month === null) return null;
  return real({
    year: Number(named[6]),
    month,
    day: Number(named[1]),
    layout: { kind: 'named', dayFirst: true, ...monthStyle(named[3], named[4] === '.'), paddedDay: named[1].length === 2, separators: [named[2], named[5]] },
  });
}

function parseMonthFirst(value: string): DateParts | null {
  const named = MONTH_FIRST.exec(value);
  if (named === null) return null;
  const month = monthNumber(named[1]);
  if (month === null) return null;
  return real({
    year: Number(named[6]),
    month,
    day: Number(named[4]),
    layout: { kind: 'named', dayFirst: false, ...monthStyle(named[1], named[2] === '.'), paddedDay: named[4].length === 2, separators: [named[3], named[5]] },
  });
}

/** January = 1: a full month name or its first three letters (Sept too), any case. */
function monthNumber(word: string): number | null {
  const lower = word.toLowerCase();
  const index = MONTHS.findIndex((name) => name === lower || ((lower.length === 3 || lower === 'sept') && name.startsWith(lower)));
  return index === -1 ? null : index + 1;
}

function monthStyle(word: string, dot: boolean): { longMonth: boolean; dot: boolean; upper: boolean } {
  return { longMonth: word.length > 4 || (word.length === 4 && word.toLowerCase() !== 'sept'), dot, upper: word.length > 1 && word === word.toUpperCase() };
}

function fullYear(twoDigits: number, pivotYear: number): number {
  const century = Math.floor(pivotYear / 100) * 100;
  return century + twoDigits <= pivotYear ? century + twoDigits : century - 100 + twoDigits;
}

function real(parts: DateParts): DateParts | null {
  const { year, month, day } = parts;
  if (year < 1 || month === null || month < 1 || month > 12) return null;
  if (day === null) return parts;
  return day >= 1 && day <= daysInMonth(year, month) ? parts : null;
}

function daysInMonth(year: number, month: number): number {
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not read years 0-99 as 1900-1999.
  date.setUTCFullYear(year, month, 0);
  return date.getUTCDate();
}

/** Writes a full date in `layout` (the layout of a parsed value). */
export function formatDate(year: number, month: number, day: number, layout: DateLayout): string {
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  switch (layout.kind) {
    case 'iso':
      return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}${layout.suffix}`;
    case 'compact':
      return `${pad(year, 4)}${pad(month, 2)}${pad(day, 2)}`;
    case 'numeric': {
      const width = layout.padded ? 2 : 1;
      const yearText = layout.shortYear ? pad(year % 100, 2) : pad(year, 4);
      return `${pad(month, width)}${layout.separator}${pad(day, width)}${layout.separator}${yearText}`;
    }
    case 'named': {
      const name = MONTHS[month - 1];
      let word = layout.longMonth ? name : name.slice(0, 3);
      word = layout.upper ? word.toUpperCase() : word.charAt(0).toUpperCase() + word.slice(1);
      const monthText = `${word}${layout.dot ? '.' : ''}`;
      const dayText = pad(day, layout.paddedDay ? 2 : 1);
      const [first, second] = layout.separators;
      return layout.dayFirst ? `${dayText}${first}${monthText}${second}${pad(year, 4)}` : `${monthText}${first}${dayText}${second}${pad(year, 4)}`;
    }
    default: {
      const unreachable: never = layout;
      throw new Error(`unknown date layout ${String(unreachable)}`);
    }
  }
}
