import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isInvalid } from '../../../src/formats/format.js';
import { TEXT_TOKEN_PATTERN, textFormat } from '../../../src/formats/text.js';
import { tokenKey } from '../../../src/formats/token-key.js';

/** Any well-formed string of 1 to 300 code points (at most 1200 UTF-8 bytes). */
const textValue = fc.string({ unit: 'binary', minLength: 1, maxLength: 300 });

describe('text format', () => {
  it('keeps the value exactly as its canonical form', () => {
    fc.assert(
      fc.property(textValue, (value) => {
        expect(textFormat.parseValue(value)).toEqual({ canonical: value, layout: null });
        expect(textFormat.render(value, null)).toBe(value);
      }),
      { numRuns: 200 },
    );
  });

  it('draws tok_ + 22 base-62 characters, never the value, keyed by itself', () => {
    fc.assert(
      fc.property(textValue, (value) => {
        const token = textFormat.randomToken(value);
        expect(token).toMatch(/^tok_[0-9A-Za-z]{22}$/);
        expect(token).not.toBe(value);
        expect(textFormat.parseToken(textFormat.render(token, null))).toEqual({ canonical: token, layout: null });
        expect(tokenKey(token)).toBe(token);
      }),
      { numRuns: 200 },
    );
  });

  it('accepts values up to 4096 UTF-8 bytes, whatever their characters', () => {
    expect(isInvalid(textFormat.parseValue('a'.repeat(4096)))).toBe(false);
    expect(isInvalid(textFormat.parseValue('😀'.repeat(1024)))).toBe(false);
    expect(isInvalid(textFormat.parseValue('tok_0123456789abcdefghijKL'))).toBe(false);
    expect(textFormat.tokenSpaceSize('x')).toBe(62n ** 22n);
  });

  it.each([
    ['', 'bytes'],
    ['a'.repeat(4097), 'bytes'],
    ['é'.repeat(2049), 'bytes'],
    ['😀'.repeat(1024) + 'a', 'bytes'],
    ['abc\uD800', 'surrogate'],
    ['\uDC00abc', 'surrogate'],
  ])('rejects %#: %s rule, without echoing the value', (value, rule) => {
    const parsed = textFormat.parseValue(value);
    if (!isInvalid(parsed)) throw new Error('accepted');
    expect(parsed.invalid).toMatch(rule === 'bytes' ? /1 to 4096 bytes/ : /lone surrogates/);
    if (value !== '') expect(parsed.invalid).not.toContain(value);
  });

  it('parses only tok_ + 22 base-62 characters as a token', () => {
    expect(TEXT_TOKEN_PATTERN.test('tok_0123456789abcdefghijKL')).toBe(true);
    const notTokens = [
      'tok_0123456789abcdefghijK',
      'tok_0123456789abcdefghijKLM',
      'TOK_0123456789abcdefghijKL',
      'tok_0123456789abcdefghij-L',
      ' tok_0123456789abcdefghijKL',
    ];
    for (const notToken of notTokens) expect(textFormat.parseToken(notToken)).toBeNull();
  });
});
