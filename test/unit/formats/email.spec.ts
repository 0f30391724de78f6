import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emailFormat, type EmailLayout } from '../../../src/formats/email.js';
import { isInvalid } from '../../../src/formats/format.js';
import { tokenKey } from '../../../src/formats/token-key.js';

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = LOWER.toUpperCase();
const ALNUM = [...LOWER, ...UPPER, ...'0123456789'];
const ATEXT = [...ALNUM, ..."!#$%&'*+/=?^_`{|}~-"];

const atom = fc.string({ unit: fc.constantFrom(...ATEXT), minLength: 1, maxLength: 8 });
const localPart = fc.array(atom, { minLength: 1, maxLength: 4 }).map((atoms) => atoms.join('.'));
const alnum = fc.constantFrom(...ALNUM);
const label = fc.oneof(
  alnum,
  fc
    .tuple(alnum, fc.string({ unit: fc.constantFrom(...ALNUM, '-'), maxLength: 6 }), alnum)
    .map(([first, middle, last]) => first + middle + last),
);
const tld = fc.tuple(fc.string({ unit: fc.constantFrom(...LOWER), minLength: 2, maxLength: 8 }), fc.boolean()).map(
  ([letters, upper]) => (upper ? letters.toUpperCase() : letters),
);
const emailValue = fc
  .tuple(localPart, fc.array(label, { minLength: 1, maxLength: 3 }), tld)
  .map(([local, labels, top]) => `${local}@${labels.join('.')}.${top}`);

/** Letters as `U`/`l`, digits as `d`, everything else as itself; up to the last dot. */
const shapeBeforeTld = (address: string) =>
  address
    .slice(0, address.lastIndexOf('.'))
    .replace(/[A-Z]/g, 'U')
    .replace(/[a-z]/g, 'l')
    .replace(/\d/g, 'd');

function parsedValue(value: string) {
  const parsed = emailFormat.parseValue(value);
  if (isInvalid(parsed)) throw new Error(parsed.invalid);
  return parsed;
}

describe('email format', () => {
  it('lower-cases the address and renders it back as written', () => {
    expect(emailFormat.parseValue('John.Doe@Example.com')).toEqual({
      canonical: 'john.doe@example.com',
      layout: { upperCaseMask: 'U....U...U......', upperCaseTld: false },
    });
    expect(emailFormat.parseValue('JOHN@EXAMPLE.COM')).toEqual({
      canonical: 'john@example.com',
      layout: { upperCaseMask: 'UUUU.UUUUUUU', upperCaseTld: true },
    });
    fc.assert(
      fc.property(emailValue, (value) => {
        const parsed = parsedValue(value);
        expect(parsed.canonical).toBe(value.toLowerCase());
        expect(emailFormat.render(parsed.canonical, parsed.layout)).toBe(value);
      }),
      { numRuns: 200 },
    );
  });

  it('draws valid, undeliverable addresses under .invalid that keep the layout before the top-level domain', () => {
    fc.assert(
      fc.property(emailValue, (value) => {
        const parsed = parsedValue(value);
        const token = emailFormat.randomToken(parsed.canonical);
        expect(token).not.toBe(parsed.canonical);
        expect(token.endsWith('.invalid')).toBe(true);
        const rendered = emailFormat.render(token, parsed.layout);
        expect(rendered.toLowerCase().endsWith('.invalid')).toBe(true);
        expect(rendered.endsWith('.invalid')).toBe(!parsed.layout.upperCaseTld);
        expect(shapeBeforeTld(rendered)).toBe(shapeBeforeTld(value));
        expect(isInvalid(emailFormat.parseValue(rendered))).toBe(false);
        expect(emailFormat.parseToken(rendered)).toEqual({ canonical: token, layout: parsed.layout });
      }),
      { numRuns: 200 },
    );
  });

  it('gives one key to every case layout of a token', () => {
    fc.assert(
      fc.property(emailValue, fc.infiniteStream(fc.boolean()), (value, upperAt) => {
        const token = emailFormat.randomToken(parsedValue(value).canonical);
        const beforeTld = token.slice(0, token.lastIndexOf('.'));
        const upperOrKept = (char: string) => (/[a-z]/.test(char) && upperAt.next().value ? 'U' : '.');
        const layout: EmailLayout = {
          upperCaseMask: [...beforeTld].map(upperOrKept).join(''),
          upperCaseTld: upperAt.next().value,
        };
        const rendered = emailFormat.render(token, layout);
        expect(emailFormat.parseToken(rendered)).toEqual({ canonical: token, layout });
        expect(tokenKey(rendered)).toBe(token);
      }),
      { numRuns: 200 },
    );
  });

  it('sizes the token space by the letters and digits before the top-level domain', () => {
    expect(emailFormat.tokenSpaceSize('jo.1@ex-2.org')).toBe(26n ** 4n * 10n ** 2n);
  });

  it('accepts values whose token just fits in 254 characters', () => {
    const domain = `${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(53)}.com`;
    const value = `${'a'.repeat(64)}@${domain}`;
    expect(value.length).toBe(250);
    const token = emailFormat.randomToken(parsedValue(value).canonical);
    expect(token.length).toBe(254);
    expect(emailFormat.parseToken(token)?.canonical).toBe(token);
  });

  it('parses only addresses under .invalid as tokens', () => {
    expect(emailFormat.parseToken('ab@cd.invalid')).toEqual({
      canonical: 'ab@cd.invalid',
      layout: { upperCaseMask: '.....', upperCaseTld: false },
    });
    expect(emailFormat.parseToken('ab@cd.com')).toBeNull();
    expect(emailFormat.parseToken('ab@invalid')).toBeNull();
  });

  const longLocal = 'a'.repeat(64);
  it.each([
    ['', /exactly one @/],
    ['plainaddress', /exactly one @/],
    ['a@@example.com', /exactly one @/],
    ['a@b@example.com', /exactly one @/],
    ['jörg@example.com', /ASCII/],
    ['a@exämple.com', /ASCII/],
    ['.john@example.com', /local part/],
    ['john.@example.com', /local part/],
    ['jo..hn@example.com', /local part/],
    ['jo hn@example.com', /local part/],
    ['"john doe"@example.com', /local part/],
    ['jo(hn)@example.com', /local part/],
    [`${'a'.repeat(65)}@example.com`, /local part/],
    ['john@localhost', /domain must be two or more/],
    ['john@-example.com', /domain must be two or more/],
    ['john@example-.com', /domain must be two or more/],
    ['john@exa_mple.com', /domain must be two or more/],
    ['john@example..com', /domain must be two or more/],
    ['john@.example.com', /domain must be two or more/],
    ['john@example.com.', /domain must be two or more/],
    [`john@${'b'.repeat(64)}.com`, /domain must be two or more/],
    ['john@example.c', /top-level domain must be two or more letters/],
    ['john@example.c0m', /top-level domain must be two or more letters/],
    ['john@example.Com', /all lower-case or all upper-case/],
    [`${longLocal}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(58)}.com`, /at most 254/],
    [`${longLocal}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.com`, /too long to tokenize under \.invalid/],
  ])('rejects %j without echoing it', (value, rule) => {
    const parsed = emailFormat.parseValue(value);
    if (!isInvalid(parsed)) throw new Error('accepted');
    expect(parsed.invalid).toMatch(rule);
    if (value !== '') expect(parsed.invalid).not.toContain(value);
  });
});
