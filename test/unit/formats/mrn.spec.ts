import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isInvalid } from '../../../src/formats/format.js';
import { mrnFormat } from '../../../src/formats/mrn.js';
import { tokenKey } from '../../../src/formats/token-key.js';

const LETTERS_AND_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const mrnChar = fc.constantFrom(...LETTERS_AND_DIGITS, '-', '_', '.', '/');

/** 4 to 64 characters with at least one letter or digit, placed anywhere. */
const mrnValue = fc
  .tuple(fc.array(mrnChar, { minLength: 3, maxLength: 63 }), fc.constantFrom(...LETTERS_AND_DIGITS), fc.nat())
  .map(([chars, anchor, at]) => {
    const all = [...chars];
    all.splice(at % (chars.length + 1), 0, anchor);
    return all.join('');
  });

/** Letters as `U`/`l`, digits as `d`, separators as themselves. */
const shapeOf = (text: string) => text.replace(/[A-Z]/g, 'U').replace(/[a-z]/g, 'l').replace(/\d/g, 'd');

describe('mrn format', () => {
  it('upper-cases the value, keeps separators, and renders it back as written', () => {
    expect(mrnFormat.parseValue('ab-12/c')).toEqual({ canonical: 'AB-12/C', layout: 'll....l' });
    fc.assert(
      fc.property(mrnValue, (value) => {
        const parsed = mrnFormat.parseValue(value);
        if (isInvalid(parsed)) throw new Error(parsed.invalid);
        expect(parsed.canonical).toBe(value.toUpperCase());
        expect(mrnFormat.render(parsed.canonical, parsed.layout)).toBe(value);
      }),
      { numRuns: 200 },
    );
  });

  it('draws same-shape tokens that never equal the value nor open with TOK_', () => {
    fc.assert(
      fc.property(mrnValue, (value) => {
        const parsed = mrnFormat.parseValue(value);
        if (isInvalid(parsed)) throw new Error(parsed.invalid);
        const token = mrnFormat.randomToken(parsed.canonical);
        expect(token).not.toBe(parsed.canonical);
        expect(token.startsWith('TOK_')).toBe(false);
        const rendered = mrnFormat.render(token, parsed.layout);
        expect(shapeOf(rendered)).toBe(shapeOf(value));
        expect(mrnFormat.parseToken(rendered)).toEqual({ canonical: token, layout: parsed.layout });
      }),
      { numRuns: 200 },
    );
  });

  it('gives one key to every case layout of a token', () => {
    fc.assert(
      fc.property(mrnValue, fc.infiniteStream(fc.boolean()), (value, lowerAt) => {
        const token = mrnFormat.randomToken(value.toUpperCase());
        const upper = mrnFormat.render(token, '.'.repeat(token.length));
        const mixed = [...upper].map((char) => (lowerAt.next().value ? char.toLowerCase() : char)).join('');
        const parsedMixed = mrnFormat.parseToken(mixed);
        expect(parsedMixed?.canonical).toBe(token);
        expect(tokenKey(mixed)).toBe(tokenKey(upper));
      }),
      { numRuns: 200 },
    );
  });

  it('never reads a text-token look-alike as an MRN token', () => {
    expect(mrnFormat.parseToken('tok_ABCD')).toBeNull();
    expect(mrnFormat.parseToken('TOK_1234')).toBeNull();
    expect(mrnFormat.parseValue('tok_1234')).toEqual({ canonical: 'TOK_1234', layout: 'lll.....' });
  });

  it('sizes the token space by shape, less the TOK_ spellings', () => {
    expect(mrnFormat.tokenSpaceSize('AB12')).toBe(26n ** 2n * 10n ** 2n);
    expect(mrnFormat.tokenSpaceSize('MRN-0042')).toBe(26n ** 3n * 10n ** 4n);
    expect(mrnFormat.tokenSpaceSize('ABC_D1')).toBe(26n ** 4n * 10n - 26n * 10n);
    expect(mrnFormat.tokenSpaceSize('ABC_12')).toBe(26n ** 3n * 100n - 100n);
  });

  it.each(['', 'AB1', 'A'.repeat(65), '----', '_./-', 'AB 12', 'AB:12', 'ÄB12', 'AB12\n', 'ＡＢ１２'])(
    'rejects %j without echoing it',
    (value) => {
      const parsed = mrnFormat.parseValue(value);
      if (!isInvalid(parsed)) throw new Error('accepted');
      expect(parsed.invalid).toMatch(/^mrn must be 4 to 64 /);
      if (value !== '') expect(parsed.invalid).not.toContain(value);
      expect(mrnFormat.parseToken(value)).toBeNull();
    },
  );
});
