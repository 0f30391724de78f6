import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isInvalid } from '../../../src/formats/format.js';
import { NEVER_ISSUED_SSN_COUNT, isIssuableSsn, neverIssuedSsnAt, ssnFormat, type SsnLayout } from '../../../src/formats/ssn.js';
import { tokenKey } from '../../../src/formats/token-key.js';

const LAYOUTS: readonly SsnLayout[] = ['dashed', 'plain'];
const digits = (length: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: length, maxLength: length });
const ssnValue = fc
  .tuple(digits(9), fc.constantFrom(...LAYOUTS))
  .map(([nine, layout]) => ssnFormat.render(nine, layout));
const digitShape = (text: string) => text.replace(/\d/g, 'd');

describe('ssn format', () => {
  it('renders every accepted value back as written', () => {
    fc.assert(
      fc.property(ssnValue, (value) => {
        const parsed = ssnFormat.parseValue(value);
        if (isInvalid(parsed)) throw new Error(parsed.invalid);
        expect(parsed.canonical).toMatch(/^\d{9}$/);
        expect(ssnFormat.render(parsed.canonical, parsed.layout)).toBe(value);
      }),
      { numRuns: 200 },
    );
  });

  it('draws tokens that are never issuable, never the value, and keep the layout', () => {
    fc.assert(
      fc.property(ssnValue, (value) => {
        const parsed = ssnFormat.parseValue(value);
        if (isInvalid(parsed)) throw new Error(parsed.invalid);
        const token = ssnFormat.randomToken(parsed.canonical);
        expect(token).not.toBe(parsed.canonical);
        expect(isIssuableSsn(token)).toBe(false);
        const rendered = ssnFormat.render(token, parsed.layout);
        expect(digitShape(rendered)).toBe(digitShape(value));
        expect(ssnFormat.parseToken(rendered)).toEqual({ canonical: token, layout: parsed.layout });
        expect(tokenKey(ssnFormat.render(token, 'dashed'))).toBe(tokenKey(ssnFormat.render(token, 'plain')));
      }),
      { numRuns: 200 },
    );
  });

  it('accepts never-issued values such as area 999 (test data uses them) and still draws another token', () => {
    const parsed = ssnFormat.parseValue('999-00-0000');
    expect(parsed).toEqual({ canonical: '999000000', layout: 'dashed' });
    for (let i = 0; i < 200; i++) expect(ssnFormat.randomToken('999000000')).not.toBe('999000000');
  });

  it('knows which SSNs are issuable', () => {
    expect(isIssuableSsn('123456789')).toBe(true);
    expect(isIssuableSsn('899991234')).toBe(true);
    for (const never of ['000123456', '666123456', '900123456', '999123456', '123001234', '123450000']) {
      expect(isIssuableSsn(never)).toBe(false);
    }
  });

  it('counts the never-issued space exactly', () => {
    // 102 never-issued areas x 10^6, plus 898 issuable areas x (group 00: 10^4, else serial 0000: 99).
    expect(NEVER_ISSUED_SSN_COUNT).toBe(102n * 10n ** 6n + 898n * (10_000n + 99n));
    expect(ssnFormat.tokenSpaceSize('123456789')).toBe(111_068_902n);
  });

  const badShapes = ['', '12345678', '1234567890', '123-456-789', '123 45 6789', '12-345-6789', 'abc-de-fghi'];
  it.each([...badShapes, '１２３４５６７８９', ' 123456789', '123-45-6789\n'])(
    'rejects %j without echoing it',
    (value) => {
      const parsed = ssnFormat.parseValue(value);
      expect(parsed).toEqual({ invalid: 'ssn must be ddd-dd-dddd or ddddddddd' });
      if (value !== '') expect(JSON.stringify(parsed)).not.toContain(value);
      expect(ssnFormat.parseToken(value)).toBeNull();
    },
  );
});

describe('neverIssuedSsnAt (how SSN tokens are drawn)', () => {
  const count = Number(NEVER_ISSUED_SSN_COUNT);

  it('maps every index to a never-issued SSN, and distinct indexes to distinct SSNs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: count - 1 }), fc.integer({ min: 0, max: count - 1 }), (a, b) => {
        const [x, y] = [neverIssuedSsnAt(a), neverIssuedSsnAt(b)];
        expect(x).toMatch(/^\d{9}$/);
        expect(isIssuableSsn(x)).toBe(false);
        if (a !== b) expect(x).not.toBe(y);
      }),
    );
  });

  it('is a bijection at every block boundary: first and last of each block, in order', () => {
    const edges = [0, 999_999, 1_000_000, 101_999_999, 102_000_000, 110_979_999, 110_980_000, count - 1];
    expect(edges.map(neverIssuedSsnAt)).toEqual(['000000000', '000999999', '666000000', '999999999', '001000000', '899009999', '001010000', '899990000']);
  });

  it('walks block C area by area: all 99 groups of area 001, in order, then area 002', () => {
    const start = 102_000_000 + 8_980_000;
    const area001 = Array.from({ length: 99 }, (_, g) => neverIssuedSsnAt(start + g));
    expect(new Set(area001).size).toBe(99);
    expect(area001[0]).toBe('001010000');
    expect(area001[98]).toBe('001990000');
    expect(neverIssuedSsnAt(start + 99)).toBe('002010000');
  });
});
