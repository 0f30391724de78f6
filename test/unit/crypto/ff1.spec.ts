import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BASE36_ALPHABET,
  DECIMAL_ALPHABET,
  FF1_MIN_DOMAIN,
  ff1Decrypt,
  ff1DecryptString,
  ff1DomainSize,
  ff1Encrypt,
  ff1EncryptString,
} from '../../../src/crypto/ff1.js';

interface NistSamples {
  keys: Record<string, string>;
  vectors: { sample: number; key: string; radix: number; tweak: string; plaintext: string; ciphertext: string }[];
}

const samples = JSON.parse(
  readFileSync(new URL('../../../../shared/data/nist-ff1-samples.json', import.meta.url), 'utf8'),
) as NistSamples;

const alphabetFor = (radix: number) => BASE36_ALPHABET.slice(0, radix);
const toNumerals = (text: string, radix: number) => [...text].map((c) => alphabetFor(radix).indexOf(c));

describe('FF1 against the NIST SP 800-38G samples', () => {
  it('has all nine samples', () => {
    expect(samples.vectors.map((v) => v.sample)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  for (const vector of samples.vectors) {
    const key = Buffer.from(samples.keys[vector.key]!, 'hex');
    const tweak = Buffer.from(vector.tweak, 'hex');

    it(`sample ${vector.sample} (${vector.key}, radix ${vector.radix}) encrypts and decrypts`, () => {
      const plain = toNumerals(vector.plaintext, vector.radix);
      const cipher = toNumerals(vector.ciphertext, vector.radix);
      expect(ff1Encrypt(key, vector.radix, tweak, plain)).toEqual(cipher);
      expect(ff1Decrypt(key, vector.radix, tweak, cipher)).toEqual(plain);

      const alphabet = alphabetFor(vector.radix);
      expect(ff1EncryptString(key, alphabet, tweak, vector.plaintext)).toBe(vector.ciphertext);
      expect(ff1DecryptString(key, alphabet, tweak, vector.ciphertext)).toBe(vector.plaintext);
    });
  }
});

describe('FF1 wrapper', () => {
  const key = randomBytes(32);

  it('decrypt(encrypt(x)) === x over decimal and base-36 strings', () => {
    const decimal = fc.string({ unit: fc.constantFrom(...DECIMAL_ALPHABET), minLength: 6, maxLength: 24 });
    const base36 = fc.string({ unit: fc.constantFrom(...BASE36_ALPHABET), minLength: 4, maxLength: 24 });
    const cases = fc.oneof(
      decimal.map((text) => ({ alphabet: DECIMAL_ALPHABET, text })),
      base36.map((text) => ({ alphabet: BASE36_ALPHABET, text })),
    );
    fc.assert(
      fc.property(cases, fc.uint8Array({ maxLength: 16 }), ({ alphabet, text }, tweak) => {
        const token = ff1EncryptString(key, alphabet, tweak, text);
        expect(token).toHaveLength(text.length);
        expect([...token].every((c) => alphabet.includes(c))).toBe(true);
        expect(ff1DecryptString(key, alphabet, tweak, token)).toBe(text);
      }),
      { numRuns: 200 },
    );
  });

  it('depends on the tweak and the key', () => {
    const text = '123456789';
    const base = ff1EncryptString(key, DECIMAL_ALPHABET, Buffer.from('ssn'), text);
    expect(ff1EncryptString(key, DECIMAL_ALPHABET, Buffer.from('zip'), text)).not.toBe(base);
    expect(ff1EncryptString(randomBytes(32), DECIMAL_ALPHABET, Buffer.from('ssn'), text)).not.toBe(base);
  });

  it('computes the domain size and enforces the Rev. 1 minimum of 1,000,000', () => {
    expect(FF1_MIN_DOMAIN).toBe(1_000_000n);
    expect(ff1DomainSize(10, 6)).toBe(1_000_000n);
    expect(ff1DomainSize(36, 4)).toBe(1_679_616n);
    expect(ff1DomainSize(10, 5)).toBeLessThan(FF1_MIN_DOMAIN);
    expect(() => ff1EncryptString(key, DECIMAL_ALPHABET, new Uint8Array(), '12345')).toThrow(RangeError);
    expect(() => ff1EncryptString(key, BASE36_ALPHABET, new Uint8Array(), 'abc')).toThrow(RangeError);
    expect(ff1EncryptString(key, DECIMAL_ALPHABET, new Uint8Array(), '123456')).toHaveLength(6);
  });

  it('refuses bad keys, radixes, numerals and characters without echoing them', () => {
    const tweak = new Uint8Array();
    expect(() => ff1Encrypt(randomBytes(20), 10, tweak, [1, 2, 3, 4, 5, 6])).toThrow(RangeError);
    expect(() => ff1Encrypt(key, 1, tweak, [0, 0, 0, 0, 0, 0])).toThrow(RangeError);
    expect(() => ff1Encrypt(key, 10, tweak, [1, 2, 3, 4, 5, 10])).toThrow(/outside the radix/);
    expect(() => ff1EncryptString(key, DECIMAL_ALPHABET, tweak, '12345x')).toThrow(/outside the FF1 alphabet$/);
    expect(() => ff1EncryptString(key, '0012345678', tweak, '123456')).toThrow(/repeat/);
  });

  it('does not depend on the caller keeping its key buffer intact', () => {
    const own = Buffer.from(key);
    const before = ff1EncryptString(own, DECIMAL_ALPHABET, new Uint8Array(), '123456789');
    expect(own.equals(key)).toBe(true);
    expect(ff1EncryptString(key, DECIMAL_ALPHABET, new Uint8Array(), '123456789')).toBe(before);
  });
});
