import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDate, parseDate, type DateLayout } from '../../../src/deid/date-shapes.js';
import { hasEmbeddedIdentifier } from '../../../src/deid/embedded-identifiers.js';
import { shiftDate, toYear } from '../../../src/deid/generalize.js';

const LAYOUTS: DateLayout[] = [
  { kind: 'iso', suffix: '' },
  { kind: 'iso', suffix: 'T16:17:47Z' },
  { kind: 'numeric', separator: '/', padded: true, shortYear: false },
  { kind: 'numeric', separator: '/', padded: false, shortYear: false },
  { kind: 'numeric', separator: '-', padded: true, shortYear: false },
  { kind: 'compact' },
  { kind: 'named', dayFirst: false, longMonth: false, dot: false, upper: false, paddedDay: false, separators: [' ', ', '] },
  { kind: 'named', dayFirst: false, longMonth: true, dot: false, upper: false, paddedDay: false, separators: [' ', ' '] },
  { kind: 'named', dayFirst: true, longMonth: true, dot: false, upper: false, paddedDay: false, separators: [' ', ' '] },
  { kind: 'named', dayFirst: false, longMonth: false, dot: true, upper: false, paddedDay: true, separators: [' ', ', '] },
  { kind: 'named', dayFirst: true, longMonth: false, dot: false, upper: true, paddedDay: true, separators: ['-', '-'] },
];

describe('date shapes', () => {
  it.each([
    ['2014-10-06', 2014, 10, 6],
    ['2014-10-06T16:17:47.123-04:00', 2014, 10, 6],
    ['10/06/2014', 2014, 10, 6],
    ['10/6/2014', 2014, 10, 6],
    ['10-06-2014', 2014, 10, 6],
    ['10/06/14', 2014, 10, 6],
    ['20141006', 2014, 10, 6],
    ['Oct 6, 2014', 2014, 10, 6],
    ['Oct. 6, 2014', 2014, 10, 6],
    ['October 6 2014', 2014, 10, 6],
    ['6 October 2014', 2014, 10, 6],
    ['06-OCT-2014', 2014, 10, 6],
    ['Sept 30, 2014', 2014, 9, 30],
    ['May. 5, 2014', 2014, 5, 5],
  ])('parses %s', (text, year, month, day) => {
    expect(parseDate(text, 2026)).toMatchObject({ year, month, day });
  });

  it.each(['2014-02-30', '13/01/2014', '10-06-14', '44054006', '30141006', 'Octo 6, 2014', 'Foo 6, 2014', '6 Oct', '195662009', '1/2'])(
    'refuses %s',
    (text) => {
      expect(parseDate(text, 2026)).toBeNull();
    },
  );

  it('writes back in the layout it read, for every layout (property)', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1800-01-01'), max: new Date('2199-12-31'), noInvalidDate: true }), fc.constantFrom(...LAYOUTS), (date, layout) => {
        const [year, month, day] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
        const text = formatDate(year, month, day, layout);
        const parsed = parseDate(text, 2026);
        expect(parsed).toMatchObject({ year, month, day, layout: { kind: layout.kind } });
        // Unpadded layouts read back as padded when both parts have two digits ("12/31"): the text is the same.
        expect(formatDate(year, month, day, parsed!.layout)).toBe(text);
        expect(toYear(text, false, 2026)).toEqual({ value: String(year) });
      }),
    );
  });

  it('date shifts keep the layout, and shifting back is the identity (property)', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1900-01-01'), max: new Date('2150-12-31'), noInvalidDate: true }),
        // Padded layouts only: "Oct 6" shifted to "Oct 16" cannot tell whether it was ever "Oct 06".
        fc.constantFrom(...LAYOUTS.filter((layout) => (layout.kind !== 'numeric' || layout.padded) && (layout.kind !== 'named' || layout.paddedDay))),
        fc.integer({ min: -3650, max: 3650 }),
        (date, layout, days) => {
          const text = formatDate(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), layout);
          const there = shiftDate(text, days) as { value: string };
          expect(parseDate(there.value, 2026)?.layout).toEqual(layout);
          expect(shiftDate(there.value, -days)).toEqual({ value: text });
        },
      ),
    );
    expect(shiftDate('Oct 6, 2014', 30)).toEqual({ value: 'Nov 5, 2014' });
    expect(shiftDate('20141231', 1)).toEqual({ value: '20150101' });
  });
});

describe('identifiers embedded in text', () => {
  it('finds a date of any layout inside text, wherever it stands (property)', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1900-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }),
        fc.constantFrom(...LAYOUTS.filter((layout) => layout.kind !== 'iso' || layout.suffix === '')),
        fc.constantFrom('seen on ', 'Follow-up ', ''),
        fc.constantFrom(' for cough', '.', ' '),
        (date, layout, before, after) => {
          const text = formatDate(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), layout);
          expect(hasEmbeddedIdentifier(`${before}${text}${after}`)).toBe(true);
        },
      ),
    );
  });

  it('a value that is exactly one shape is left to that shape; a whole URL never counts', () => {
    for (const whole of ['617-555-0100', '2014-10-06', '2014-10-06T16:17:47Z', 'http://hl7.org/fhir/sid/us-ssn', 'http://snomed.info/sct/731000124108/version/20140301', 'urn:oid:2.16.840.1.113883.4.3.25']) {
      expect(hasEmbeddedIdentifier(whole)).toBe(false);
    }
  });
});

describe('embedded scan bounds', () => {
  it('a long value without an identifier is not embedded; over the scan limit a value counts as free text', async () => {
    const { looksLike, MAX_EMBEDDED_SCAN } = await import('../../../src/deid/value-shapes.js');
    const near = `${'a'.repeat(MAX_EMBEDDED_SCAN - 2)}@x`;
    expect(hasEmbeddedIdentifier(near)).toBe(false);
    expect(looksLike('embedded', near)).toBe(false);
    expect(looksLike('embedded', 'b'.repeat(MAX_EMBEDDED_SCAN + 1))).toBe(true);
    expect(hasEmbeddedIdentifier('mail me at ann.lee@example.org please')).toBe(true);
    expect(hasEmbeddedIdentifier('a@b')).toBe(false);
  });
});
