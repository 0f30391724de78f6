import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IndexKeys } from '../../../src/crypto/envelope.js';
import { dateFormat } from '../../../src/formats/date.js';
import { isInvalid } from '../../../src/formats/format.js';
import { passesLuhn } from '../../../src/formats/luhn.js';
import { mrnFormat } from '../../../src/formats/mrn.js';
import { panFormat } from '../../../src/formats/pan.js';
import { phoneFormat } from '../../../src/formats/phone.js';
import { formatOf } from '../../../src/formats/registry.js';
import { fpeAccepts, fpeTokenOf, fpeValueOf, readFpeToken, type Ff1Keys } from '../../../src/fpe/fpe-cipher.js';
import { fpeDomainOf } from '../../../src/fpe/fpe-domains.js';
import type { FpeType } from '../../../src/fpe/fpe-types.js';

/** A fixed index root, so every example below is reproducible. */
const keys = new IndexKeys(Buffer.alloc(32, 7));
const otherKeys = new IndexKeys(Buffer.alloc(32, 8));
const NAMESPACE = 'default';

const digit = fc.constantFrom(...'0123456789');
const digits = (n: number) => fc.string({ unit: digit, minLength: n, maxLength: n });
const shape = (text: string) => text.replace(/[A-Z]/g, 'A').replace(/[a-z]/g, 'a').replace(/\d/g, '9');

function luhnComplete(body: string): string {
  for (let d = 0; d <= 9; d++) if (passesLuhn(body + d)) return body + d;
  throw new Error('unreachable');
}

/** Values every FPE type accepts, in every layout it accepts. */
const VALUES: Record<FpeType, fc.Arbitrary<string>> = {
  ssn: fc.oneof(digits(9), digits(9).map((d) => `${d.slice(0, 3)}-${d.slice(3, 5)}-${d.slice(5)}`)),
  phone: fc
    .tuple(digits(10), fc.constantFrom('parenthesized', 'dashed', 'dotted', 'plain', 'plus-one') as fc.Arbitrary<'parenthesized' | 'dashed' | 'dotted' | 'plain' | 'plus-one'>)
    .map(([d, layout]) => phoneFormat.render(d, layout)),
  zip: digits(9).map((d) => `${d.slice(0, 5)}-${d.slice(5)}`),
  mrn: fc
    .array(fc.oneof(digit, fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'), fc.constantFrom('-', '_', '.', '/')), { minLength: 4, maxLength: 64 })
    .map((chars) => chars.join(''))
    .filter((text) => {
      const parsed = mrnFormat.parseValue(text);
      return !isInvalid(parsed) && fpeAccepts('mrn', parsed.canonical);
    }),
  pan: fc
    .integer({ min: 13, max: 19 })
    .chain((n) => digits(n - 1))
    .chain((body) => fc.constantFrom('', ' ', '-').map((sep) => ({ digits: luhnComplete(body), sep })))
    .map(({ digits: d, sep }) => (sep === '' ? d : d.match(/.{1,4}/g)!.join(sep))),
  date: fc
    .date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true })
    .chain((date) => fc.constantFrom<'iso' | 'us'>('iso', 'us').map((layout) => dateFormat.render(date.toISOString().slice(0, 10), layout))),
};

function parse(type: FpeType, value: string) {
  const parsed = formatOf(type).parseValue(value);
  if (isInvalid(parsed)) throw new Error(`${type}: ${parsed.invalid}`);
  return parsed;
}

/** The rendered FPE token of a rendered value, or null for a fixed point. */
function tokenize(type: FpeType, value: string, namespace = NAMESPACE, under: Ff1Keys = keys): string | null {
  const parsed = parse(type, value);
  const token = fpeTokenOf(under, type, namespace, parsed.canonical);
  return token === null ? null : formatOf(type).render(token, parsed.layout);
}

function detokenize(type: FpeType, token: string, namespace = NAMESPACE, under: Ff1Keys = keys): string | null {
  const read = readFpeToken(type, token);
  return read === null ? null : formatOf(type).render(fpeValueOf(under, type, namespace, read.canonical), read.layout);
}

describe('FPE tokens, every type', () => {
  for (const type of Object.keys(VALUES) as FpeType[]) {
    it(`${type}: round trip, same layout, never the value, a valid-looking value itself`, () => {
      fc.assert(
        fc.property(VALUES[type], (value) => {
          const token = tokenize(type, value);
          if (token === null) return; // a fixed point: refused, never handed out
          expect(token).not.toBe(value);
          expect(shape(token)).toBe(shape(value));
          expect(detokenize(type, token)).toBe(value);
          // Validators keep working: the token is a value of the type (PAN: but for the Luhn check).
          if (type === 'pan') expect(isInvalid(panFormat.parseValue(token))).toBe(true);
          else expect(isInvalid(formatOf(type).parseValue(token))).toBe(false);
        }),
        { numRuns: 150 },
      );
    });

    it(`${type}: deterministic, and different namespaces or keys give different tokens`, () => {
      fc.assert(
        fc.property(VALUES[type], (value) => {
          const token = tokenize(type, value);
          expect(tokenize(type, value)).toBe(token);
          const elsewhere = tokenize(type, value, 'tenant-b');
          const otherKey = tokenize(type, value, NAMESPACE, otherKeys);
          // Each pair collides with probability 1/M <= 10^-6; the seed fixes the samples, so this run is reproducible.
          expect(elsewhere).not.toBe(token);
          expect(otherKey).not.toBe(token);
          if (elsewhere !== null) expect(detokenize(type, elsewhere, 'tenant-b')).toBe(value);
        }),
        { numRuns: 40, seed: 20261201 },
      );
    });
  }
});

describe('FPE per type', () => {
  it('pan: keeps the last four and the grouping, always fails Luhn, and has no fixed points', () => {
    fc.assert(
      fc.property(VALUES.pan, (value) => {
        const token = tokenize('pan', value);
        expect(token).not.toBeNull();
        expect(token!.slice(-4)).toBe(value.slice(-4));
        expect(token!.replace(/\d/g, '#')).toBe(value.replace(/\d/g, '#'));
        expect(passesLuhn(token!.replace(/[ -]/g, ''))).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('pan: a string whose check position is not valid+1 is no FPE token', () => {
    const token = tokenize('pan', '4111 1111 1111 1111')!;
    const digitsOnly = token.replace(/ /g, '');
    const check = Number(digitsOnly[digitsOnly.length - 5]);
    const others = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((step) => digitsOnly.slice(0, -5) + ((check + step) % 10) + digitsOnly.slice(-4));
    expect(readFpeToken('pan', digitsOnly)).not.toBeNull();
    for (const other of others) expect(readFpeToken('pan', other)).toBeNull();
    // The real card number itself (it passes Luhn) is never an FPE token either.
    expect(readFpeToken('pan', '4111111111111111')).toBeNull();
  });

  it('date: tokens are real dates between 0001-01-01 and 9999-12-31 (cycle-walking stays in range)', () => {
    fc.assert(
      fc.property(VALUES.date, (value) => {
        const token = tokenize('date', value);
        if (token === null) return;
        expect(isInvalid(dateFormat.parseValue(token))).toBe(false);
      }),
      { numRuns: 300 },
    );
    expect(detokenize('date', '02/30/2000')).toBeNull();
    expect(detokenize('date', '2000-13-01')).toBeNull();
  });

  it('phone: +1 and the layout kept, NANP openers 2-9 kept exactly where the value has them', () => {
    const opens = (text: string) => {
      const d = text.replace(/^\+1/, '').replace(/\D/g, '');
      return [d[0] >= '2', d[3] >= '2'];
    };
    fc.assert(
      fc.property(VALUES.phone, (value) => {
        const token = tokenize('phone', value);
        if (token === null) return;
        expect(opens(token)).toEqual(opens(value));
        expect(token.startsWith('+1')).toBe(value.startsWith('+1'));
      }),
      { numRuns: 200 },
    );
  });

  it('mrn: letters stay letters (in the same case), digits stay digits, separators in place', () => {
    const token = tokenize('mrn', 'mrn-000123')!;
    expect(token).toMatch(/^[a-z]{3}-\d{6}$/);
    expect(detokenize('mrn', token)).toBe('mrn-000123');
    expect(tokenize('mrn', 'A-77-1234')).toMatch(/^[A-Z]-\d{2}-\d{4}$/);
  });

  it('one value written in two layouts has one canonical token', () => {
    expect(tokenize('ssn', '123-45-6789')!.replace(/-/g, '')).toBe(tokenize('ssn', '123456789'));
    expect(tokenize('phone', '(617) 555-0142')!.replace(/\D/g, '')).toBe(tokenize('phone', '+16175550142')!.slice(2));
    const iso = tokenize('date', '1987-06-05')!;
    expect(tokenize('date', '06/05/1987')).toBe(`${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(0, 4)}`);
  });

  it('refuses spaces below 1,000,000 members (NIST SP 800-38G Rev. 1): ZIP5, short MRNs', () => {
    expect(fpeAccepts('zip', '02139')).toBe(false);
    expect(fpeAccepts('zip', '02139-4307')).toBe(true);
    expect(fpeAccepts('mrn', '1234')).toBe(false); // 10^4
    expect(fpeAccepts('mrn', 'AB-12')).toBe(false); // 26^2 x 10^2
    expect(fpeAccepts('mrn', '99999')).toBe(false); // 10^5
    expect(fpeAccepts('mrn', '999999')).toBe(true); // exactly 10^6
    expect(fpeAccepts('mrn', 'ABCDE')).toBe(true); // 26^5 = 11,881,376
    expect(() => fpeTokenOf(keys, 'zip', NAMESPACE, '02139')).toThrow(RangeError);
    // A presented ZIP5 or short MRN is never an FPE token.
    expect(readFpeToken('zip', '02139')).toBeNull();
    expect(readFpeToken('mrn', '1234')).toBeNull();
  });

  it('reads only strings in the type layouts', () => {
    expect(readFpeToken('ssn', '12-345-6789')).toBeNull();
    expect(readFpeToken('phone', '617 555 0142')).toBeNull();
    expect(readFpeToken('zip', '021394307')).toBeNull();
    expect(readFpeToken('mrn', 'MRN 0001')).toBeNull();
    expect(readFpeToken('pan', '4111 1111 1111')).toBeNull();
  });

  it('a value its permutation fixes gets no token', () => {
    // Under the identity permutation every value is a fixed point: the token would equal the value.
    const identity: Ff1Keys = { ff1Encrypt: (_ns, _radix, _tweak, numerals) => numerals, ff1Decrypt: (_ns, _radix, _tweak, numerals) => numerals };
    for (const [type, value] of [['ssn', '123456789'], ['zip', '02139-4307'], ['date', '1987-06-05'], ['mrn', 'MRN-000123'], ['phone', '6175550142']] as const) {
      expect(fpeTokenOf(identity, type, NAMESPACE, parse(type, value).canonical)).toBeNull();
    }
    // A PAN is never its own token: the check position always moves.
    expect(fpeTokenOf(identity, 'pan', NAMESPACE, '4111111111111111')).toBe('4111111111121111');
  });

  it('every domain ranks and unranks its values and tokens consistently', () => {
    for (const [type, canonical] of [['ssn', '000000000'], ['ssn', '999999999'], ['date', '0001-01-01'], ['date', '9999-12-31'], ['zip', '99999-9999']] as const) {
      const domain = fpeDomainOf(type);
      const space = domain.spaceOf(canonical);
      const rank = domain.rankOfValue(canonical);
      expect(rank >= 0n && rank < space.size).toBe(true);
      expect(domain.valueOfRank(space, rank)).toBe(canonical);
    }
    expect(fpeDomainOf('date').rankOfValue('9999-12-31')).toBe(3_652_058n);
    expect(fpeDomainOf('date').rankOfValue('0001-01-01')).toBe(0n);
    const date = fpeDomainOf('date');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3_652_058 }), (day) => {
        const canonical = date.valueOfRank(date.spaceOf(''), BigInt(day));
        expect(isInvalid(dateFormat.parseValue(canonical))).toBe(false);
        expect(date.rankOfValue(canonical)).toBe(BigInt(day));
      }),
      { numRuns: 500 },
    );
  });
});
