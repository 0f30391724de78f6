import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isInvalid } from '../../../src/formats/format.js';
import { tokenKey } from '../../../src/formats/token-key.js';
import { zipFormat } from '../../../src/formats/zip.js';

const digits = (length: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: length, maxLength: length });
const zipValue = fc.oneof(digits(5), fc.tuple(digits(5), digits(4)).map(([zip, plus4]) => `${zip}-${plus4}`));
const digitShape = (text: string) => text.replace(/\d/g, 'd');

describe('zip format', () => {
  it('keeps the value as its canonical form and renders it back', () => {
    fc.assert(
      fc.property(zipValue, (value) => {
        const parsed = zipFormat.parseValue(value);
        expect(parsed).toEqual({ canonical: value, layout: null });
        expect(zipFormat.render(value, null)).toBe(value);
      }),
      { numRuns: 200 },
    );
  });

  it('draws a same-shape token that differs from the value and parses back', () => {
    fc.assert(
      fc.property(zipValue, (value) => {
        const token = zipFormat.randomToken(value);
        expect(token).not.toBe(value);
        expect(digitShape(token)).toBe(digitShape(value));
        expect(zipFormat.parseToken(zipFormat.render(token, null))).toEqual({ canonical: token, layout: null });
        expect(tokenKey(token)).toBe(token.replace('-', ''));
      }),
      { numRuns: 200 },
    );
  });

  it('sizes the token space by shape', () => {
    expect(zipFormat.tokenSpaceSize('12345')).toBe(100_000n);
    expect(zipFormat.tokenSpaceSize('12345-6789')).toBe(1_000_000_000n);
  });

  it.each(['', '1234', '123456', '12345-678', '12345 6789', '123456789', 'abcde', '12345-'])(
    'rejects %j without echoing it',
    (value) => {
      const parsed = zipFormat.parseValue(value);
      expect(parsed).toEqual({ invalid: 'zip must be ddddd or ddddd-dddd' });
      if (value !== '' && isInvalid(parsed)) expect(parsed.invalid).not.toContain(value);
      expect(zipFormat.parseToken(value)).toBeNull();
    },
  );
});
