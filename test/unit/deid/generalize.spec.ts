import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RESTRICTED_ZIP3, shiftDate, toAgeBand, toYear, toZip3 } from '../../../src/deid/generalize.js';
import { looksLike, parseDate } from '../../../src/deid/value-shapes.js';

describe('generalize to year', () => {
  it.each([
    ['2014-10-06', '2014'],
    ['2014-10-06T16:17:47Z', '2014'],
    ['2003-06-12T12:26:53.796-07:00', '2003'],
    ['10/06/2014', '2014'],
    ['2014-10', '2014'],
    ['2014', '2014'],
  ])('%s -> %s', (value, year) => {
    expect(toYear(value, false, 2026)).toEqual({ value: year });
  });

  it('keeps numbers numeric and refuses what is not a date', () => {
    expect(toYear(1969, false, 2026)).toEqual({ value: 1969 });
    for (const value of ['2014-13-01', '2023-02-29', 'yesterday', '', true, null, 12.5]) expect(toYear(value, false, 2026)).toHaveProperty('invalid');
  });

  it('capAge: every birth year making someone 90 or older becomes one sentinel year', () => {
    expect(toYear('1936-12-31', true, 2026)).toEqual({ value: '1936' });
    expect(toYear('1935-06-01', true, 2026)).toEqual({ value: '1936' });
    expect(toYear('1901-01-01', true, 2026)).toEqual({ value: '1936' });
    expect(toYear('1937-01-01', true, 2026)).toEqual({ value: '1937' });
    expect(toYear('1901-01-01', false, 2026)).toEqual({ value: '1901' });
  });
});

describe('generalize to zip3', () => {
  it('keeps three digits, and 000 for the 17 restricted prefixes', () => {
    expect(toZip3('02155')).toEqual({ value: '021' });
    expect(toZip3('98028-2702')).toEqual({ value: '980' });
    expect(toZip3(2155)).toEqual({ value: '021' });
    expect(RESTRICTED_ZIP3.size).toBe(17);
    for (const prefix of RESTRICTED_ZIP3) expect(toZip3(`${prefix}42`)).toEqual({ value: '000' });
    for (const value of ['', '0215', 'K1A 0B1', '02155-12']) expect(toZip3(value)).toHaveProperty('invalid');
  });

  it('never answers more than three digits (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99_999 }), fc.option(fc.integer({ min: 0, max: 9999 })), (zip, plus4) => {
        const text = String(zip).padStart(5, '0') + (plus4 === null ? '' : `-${String(plus4).padStart(4, '0')}`);
        const result = toZip3(text) as { value: string };
        expect(result.value).toMatch(/^\d{3}$/);
        expect(result.value === '000' || result.value === text.slice(0, 3)).toBe(true);
      }),
    );
  });
});

describe('generalize to ageband', () => {
  it('bands ages, and 90 or more is one category', () => {
    expect(toAgeBand(34, 10, false)).toEqual({ value: '30-39' });
    expect(toAgeBand('85', 10, false)).toEqual({ value: '80-89' });
    expect(toAgeBand(89, 5, false)).toEqual({ value: '85-89' });
    expect(toAgeBand(90, 10, false)).toEqual({ value: '90+' });
    expect(toAgeBand(104, 1, false)).toEqual({ value: '90+' });
    expect(toAgeBand(34, 1, false)).toEqual({ value: 34 });
    expect(toAgeBand(97.5, 1, true)).toEqual({ value: 90 });
    expect(toAgeBand(34.7, 1, true)).toEqual({ value: 34 });
    expect(toAgeBand('old', 10, false)).toHaveProperty('invalid');
  });
});

describe('date shift', () => {
  it('moves the day, keeps layout and time of day, crosses months and leap days', () => {
    expect(shiftDate('2024-02-28', 1)).toEqual({ value: '2024-02-29' });
    expect(shiftDate('2023-02-28', 1)).toEqual({ value: '2023-03-01' });
    expect(shiftDate('12/31/1999', 1)).toEqual({ value: '01/01/2000' });
    expect(shiftDate('2003-06-12T12:26:53-07:00', -12)).toEqual({ value: '2003-05-31T12:26:53-07:00' });
    expect(shiftDate('0001-01-01', -1)).toHaveProperty('invalid');
    expect(shiftDate('2003', 5)).toHaveProperty('invalid');
  });

  it('shifting there and back is the identity (property)', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1800-01-01'), max: new Date('2200-12-31'), noInvalidDate: true }), fc.integer({ min: -3650, max: 3650 }), (date, days) => {
        const iso = date.toISOString().slice(0, 10);
        const there = shiftDate(iso, days) as { value: string };
        expect(shiftDate(there.value, -days)).toEqual({ value: iso });
      }),
    );
  });
});

describe('value shapes', () => {
  it('recognizes the shapes Safe Harbor looks for, and not bare digit codes', () => {
    expect(looksLike('date', '2023-01-27T16:17:47Z')).toBe(true);
    expect(looksLike('date', '8302-12')).toBe(false);
    expect(looksLike('date', '185345009')).toBe(false);
    expect(looksLike('ssn', '999-17-5017')).toBe(true);
    expect(looksLike('ssn', '999175017')).toBe(false);
    expect(looksLike('phone', '555-657-5098')).toBe(true);
    expect(looksLike('phone', '(617) 555-0142')).toBe(true);
    expect(looksLike('phone', '4258991000')).toBe(false);
    expect(looksLike('email', 'Keren761.Murazik203@example.com')).toBe(true);
    expect(looksLike('url', 'https://example.org/x')).toBe(true);
    expect(looksLike('ip', '10.0.0.1')).toBe(true);
    expect(looksLike('ip', '2001:db8::1')).toBe(true);
    expect(looksLike('ip', '2.16.840')).toBe(false);
    expect(parseDate('2023-02-30')).toBeNull();
  });
});
