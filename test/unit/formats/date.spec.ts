import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dateFormat, type DateLayout } from '../../../src/formats/date.js';
import { isInvalid } from '../../../src/formats/format.js';
import { tokenKey } from '../../../src/formats/token-key.js';

const pad = (value: number, width: number) => String(value).padStart(width, '0');

function lastDayOf(year: number, month: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month, 0);
  return date.getUTCDate();
}

function isRealDate(canonical: string): boolean {
  const [year, month, day] = canonical.split('-').map(Number) as [number, number, number];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return year >= 1 && date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

const canonicalDate = fc
  .tuple(fc.integer({ min: 1, max: 9999 }), fc.integer({ min: 1, max: 12 }))
  .chain(([year, month]) =>
    fc.integer({ min: 1, max: lastDayOf(year, month) }).map((day) => `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`),
  );
const dateValue = fc
  .tuple(canonicalDate, fc.constantFrom<DateLayout>('iso', 'us'))
  .map(([canonical, layout]) => dateFormat.render(canonical, layout));
const digitShape = (text: string) => text.replace(/\d/g, 'd');

describe('date format', () => {
  it('renders every accepted date back as written', () => {
    expect(dateFormat.parseValue('2024-02-29')).toEqual({ canonical: '2024-02-29', layout: 'iso' });
    expect(dateFormat.parseValue('02/29/2000')).toEqual({ canonical: '2000-02-29', layout: 'us' });
    expect(dateFormat.parseValue('0001-01-01')).toEqual({ canonical: '0001-01-01', layout: 'iso' });
    expect(dateFormat.parseValue('12/31/9999')).toEqual({ canonical: '9999-12-31', layout: 'us' });
    fc.assert(
      fc.property(dateValue, (value) => {
        const parsed = dateFormat.parseValue(value);
        if (isInvalid(parsed)) throw new Error(parsed.invalid);
        expect(dateFormat.render(parsed.canonical, parsed.layout)).toBe(value);
      }),
      { numRuns: 200 },
    );
  });

  it('draws real dates in the same layout, never the value, with one key for both layouts', () => {
    fc.assert(
      fc.property(dateValue, (value) => {
        const parsed = dateFormat.parseValue(value);
        if (isInvalid(parsed)) throw new Error(parsed.invalid);
        const token = dateFormat.randomToken(parsed.canonical);
        expect(token).not.toBe(parsed.canonical);
        expect(token).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        expect(isRealDate(token)).toBe(true);
        const rendered = dateFormat.render(token, parsed.layout);
        expect(digitShape(rendered)).toBe(digitShape(value));
        expect(dateFormat.parseToken(rendered)).toEqual({ canonical: token, layout: parsed.layout });
        const key = token.replace(/-/g, '');
        expect(tokenKey(dateFormat.render(token, 'iso'))).toBe(key);
        expect(tokenKey(dateFormat.render(token, 'us'))).toBe(key);
      }),
      { numRuns: 200 },
    );
  });

  it('has one token space for every date: 0001-01-01..9999-12-31', () => {
    expect(dateFormat.tokenSpaceSize('2020-01-01')).toBe(3_652_059n);
  });

  it.each([
    ['', 'layout'],
    ['2023-1-01', 'layout'],
    ['2023/01/01', 'layout'],
    ['20230101', 'layout'],
    ['1-1-2023', 'layout'],
    ['2023-01-01T00:00:00Z', 'layout'],
    ['２０２３-01-01', 'layout'],
    ['2023-02-29', 'real'],
    ['1900-02-29', 'real'],
    ['2024-02-30', 'real'],
    ['2023-04-31', 'real'],
    ['2023-13-01', 'real'],
    ['2023-00-10', 'real'],
    ['2023-01-00', 'real'],
    ['0000-01-01', 'real'],
    ['13/01/2023', 'real'],
    ['02/29/2023', 'real'],
  ])('rejects %j (%s rule) without echoing it', (value, rule) => {
    const parsed = dateFormat.parseValue(value);
    if (!isInvalid(parsed)) throw new Error('accepted');
    expect(parsed.invalid).toMatch(rule === 'layout' ? /YYYY-MM-DD or MM\/DD\/YYYY/ : /real calendar date/);
    if (value !== '') expect(parsed.invalid).not.toContain(value);
    expect(dateFormat.parseToken(value)).toBeNull();
  });
});
