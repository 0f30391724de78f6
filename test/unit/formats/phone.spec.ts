import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isInvalid } from '../../../src/formats/format.js';
import { RESERVED_AREA_CODES, phoneFormat, type PhoneLayout } from '../../../src/formats/phone.js';
import { tokenKey } from '../../../src/formats/token-key.js';

const LAYOUTS: readonly PhoneLayout[] = ['parenthesized', 'dashed', 'dotted', 'plain', 'plus-one'];
const tenDigits = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 10, maxLength: 10 });
const phoneValue = fc
  .tuple(tenDigits, fc.constantFrom(...LAYOUTS))
  .map(([digits, layout]) => phoneFormat.render(digits, layout));
const digitShape = (text: string) => text.replace(/\d/g, 'd');

describe('phone format', () => {
  it('accepts exactly the five layouts and renders them back as written', () => {
    expect(phoneFormat.parseValue('(212) 555-0123')).toEqual({ canonical: '2125550123', layout: 'parenthesized' });
    expect(phoneFormat.parseValue('212-555-0123')).toEqual({ canonical: '2125550123', layout: 'dashed' });
    expect(phoneFormat.parseValue('212.555.0123')).toEqual({ canonical: '2125550123', layout: 'dotted' });
    expect(phoneFormat.parseValue('2125550123')).toEqual({ canonical: '2125550123', layout: 'plain' });
    expect(phoneFormat.parseValue('+12125550123')).toEqual({ canonical: '2125550123', layout: 'plus-one' });
    fc.assert(
      fc.property(phoneValue, (value) => {
        const parsed = phoneFormat.parseValue(value);
        if (isInvalid(parsed)) throw new Error(parsed.invalid);
        expect(phoneFormat.render(parsed.canonical, parsed.layout)).toBe(value);
      }),
      { numRuns: 200 },
    );
  });

  it('draws undiallable tokens: reserved area code, NXX exchange, layout and +1 kept, never the value', () => {
    fc.assert(
      fc.property(phoneValue, (value) => {
        const parsed = phoneFormat.parseValue(value);
        if (isInvalid(parsed)) throw new Error(parsed.invalid);
        const token = phoneFormat.randomToken(parsed.canonical);
        expect(token).not.toBe(parsed.canonical);
        expect(token).toMatch(/^(?:[2-9]9\d|37\d|96\d)[2-9]\d{2}\d{4}$/);
        const rendered = phoneFormat.render(token, parsed.layout);
        expect(digitShape(rendered)).toBe(digitShape(value));
        expect(rendered.startsWith('+1')).toBe(value.startsWith('+1'));
        expect(phoneFormat.parseToken(rendered)).toEqual({ canonical: token, layout: parsed.layout });
        const keys = new Set(LAYOUTS.map((layout) => tokenKey(phoneFormat.render(token, layout))));
        expect([...keys]).toEqual([token]);
      }),
      { numRuns: 200 },
    );
  });

  it('lists the 100 reserved area codes N9X, 37X and 96X', () => {
    expect(new Set(RESERVED_AREA_CODES).size).toBe(100);
    expect(RESERVED_AREA_CODES.every((code) => /^(?:[2-9]9\d|37\d|96\d)$/.test(code))).toBe(true);
    expect(phoneFormat.tokenSpaceSize('2125550123')).toBe(100n * 800n * 10_000n);
  });

  it('never returns a value that is itself in the token space', () => {
    for (let i = 0; i < 200; i++) expect(phoneFormat.randomToken('2992345678')).not.toBe('2992345678');
  });

  it.each([
    '',
    '212-555-012',
    '(212)555-0123',
    '(212) 555 0123',
    '212 555 0123',
    '212-555.0123',
    '+1 212 555 0123',
    '+2125550123',
    '12125550123',
    '+442125550123',
    '212-555-O123',
  ])('rejects %j without echoing it', (value) => {
    const parsed = phoneFormat.parseValue(value);
    if (!isInvalid(parsed)) throw new Error('accepted');
    expect(parsed.invalid).toMatch(/^phone must be /);
    if (value !== '') expect(parsed.invalid).not.toContain(value);
    expect(phoneFormat.parseToken(value)).toBeNull();
  });
});
