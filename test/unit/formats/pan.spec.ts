import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isInvalid } from '../../../src/formats/format.js';
import { passesLuhn } from '../../../src/formats/luhn.js';
import { panFormat } from '../../../src/formats/pan.js';
import { tokenKey } from '../../../src/formats/token-key.js';

const digitUnit = fc.constantFrom(...'0123456789');

/** The check digit that makes `body` + digit pass Luhn. */
function luhnCheckDigit(body: string): string {
  for (let digit = 0; digit <= 9; digit++) if (passesLuhn(body + digit)) return String(digit);
  throw new Error('unreachable: one digit in ten passes');
}

const cardDigits = fc
  .integer({ min: 13, max: 19 })
  .chain((length) => fc.string({ unit: digitUnit, minLength: length - 1, maxLength: length - 1 }))
  .map((body) => body + luhnCheckDigit(body));

/** A layout for `digitCount` digits: ungrouped, or cut into groups joined by one kind of separator. */
const panLayout = (digitCount: number) =>
  fc
    .tuple(
      fc.constantFrom('', ' ', '-'),
      fc.uniqueArray(fc.integer({ min: 1, max: digitCount - 1 }), { maxLength: 5 }),
    )
    .map(([separator, cuts]) => {
      const sortedCuts = separator === '' ? [] : [...cuts].sort((a, b) => a - b);
      let layout = '';
      for (let i = 0; i < digitCount; i++) layout += (sortedCuts.includes(i) ? separator : '') + '#';
      return layout;
    });

const panValue = cardDigits.chain((digits) =>
  panLayout(digits.length).map((layout) => panFormat.render(digits, layout)),
);

describe('pan format', () => {
  it('renders every accepted number back as written', () => {
    expect(panFormat.parseValue('4111 1111 1111 1111')).toEqual({
      canonical: '4111111111111111',
      layout: '#### #### #### ####',
    });
    expect(panFormat.parseValue('3782-822463-10005')).toEqual({
      canonical: '378282246310005',
      layout: '####-######-#####',
    });
    fc.assert(
      fc.property(panValue, (value) => {
        const parsed = panFormat.parseValue(value);
        if (isInvalid(parsed)) throw new Error(parsed.invalid);
        expect(panFormat.render(parsed.canonical, parsed.layout)).toBe(value);
      }),
      { numRuns: 200 },
    );
  });

  it('draws tokens that keep the last four digits and the layout and fail Luhn', () => {
    fc.assert(
      fc.property(panValue, (value) => {
        const parsed = panFormat.parseValue(value);
        if (isInvalid(parsed)) throw new Error(parsed.invalid);
        const token = panFormat.randomToken(parsed.canonical);
        expect(token).not.toBe(parsed.canonical);
        expect(token).toMatch(/^\d{13,19}$/);
        expect(token.length).toBe(parsed.canonical.length);
        expect(token.slice(-4)).toBe(parsed.canonical.slice(-4));
        expect(passesLuhn(token)).toBe(false);
        const rendered = panFormat.render(token, parsed.layout);
        expect(rendered.replace(/\d/g, '#')).toBe(parsed.layout);
        expect(panFormat.parseToken(rendered)).toEqual({ canonical: token, layout: parsed.layout });
        expect(panFormat.parseValue(rendered)).toEqual({ invalid: 'pan must pass the Luhn check' });
      }),
      { numRuns: 200 },
    );
  });

  it('gives one key to every layout of a token', () => {
    fc.assert(
      fc.property(
        cardDigits.chain((digits) => fc.tuple(fc.constant(digits), panLayout(digits.length), panLayout(digits.length))),
        ([digits, first, second]) => {
          const token = panFormat.randomToken(digits);
          expect(tokenKey(panFormat.render(token, first))).toBe(token);
          expect(tokenKey(panFormat.render(token, second))).toBe(token);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('sizes the token space as the Luhn-failing completions of the kept tail', () => {
    expect(panFormat.tokenSpaceSize('4111111111111111')).toBe(9n * 10n ** 11n);
    expect(panFormat.tokenSpaceSize('4222222222222')).toBe(9n * 10n ** 8n);
  });

  it('checks Luhn against known numbers', () => {
    const knownCards = ['4111111111111111', '5555555555554444', '378282246310005', '6011111111111117', '4222222222222'];
    for (const card of knownCards) expect(passesLuhn(card)).toBe(true);
    expect(passesLuhn('4111111111111112')).toBe(false);
  });

  it.each([
    ['', 'shape'],
    ['411111111111', 'shape'],
    ['41111111111111111111', 'shape'],
    ['4111 1111-1111 1111', 'shape'],
    ['4111  1111 1111 1111', 'shape'],
    [' 4111 1111 1111 1111', 'shape'],
    ['4111 1111 1111 1111 ', 'shape'],
    ['4111-1111-1111-1111-', 'shape'],
    ['4111.1111.1111.1111', 'shape'],
    ['4111 1111 1111 111a', 'shape'],
    ['4111111111111112', 'Luhn'],
    ['4111 1111 1111 1112', 'Luhn'],
  ])('rejects %j (%s rule) without echoing it', (value, rule) => {
    const parsed = panFormat.parseValue(value);
    if (!isInvalid(parsed)) throw new Error('accepted');
    expect(parsed.invalid).toMatch(rule === 'Luhn' ? /Luhn/ : /13 to 19 digits/);
    if (value !== '') expect(parsed.invalid).not.toContain(value);
    expect(panFormat.parseToken(value) === null).toBe(rule === 'shape');
  });
});
