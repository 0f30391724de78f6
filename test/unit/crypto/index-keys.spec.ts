import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DECIMAL_ALPHABET, ff1EncryptString } from '../../../src/crypto/ff1.js';
import { IndexKeys, generateKey } from '../../../src/crypto/envelope.js';
import { deriveKey } from '../../../src/crypto/hkdf.js';

const root = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
const keys = new IndexKeys(root);

describe('IndexKeys', () => {
  it('fingerprints deterministically, 32 bytes, matching an independent implementation', () => {
    const fingerprint = keys.fingerprint('ssn', '123456789');
    expect(fingerprint).toHaveLength(32);
    expect(new IndexKeys(Buffer.from(root)).fingerprint('ssn', '123456789').equals(fingerprint)).toBe(true);
    // Python hmac/hashlib: HMAC-SHA256(HKDF(root, "fingerprint/v1"), length-prefixed ("ssn", "123456789")).
    expect(fingerprint.toString('hex')).toBe('05163681b7b07ddba59a4287fd845f6b88eb019a435e964eed7895a779341a60');
  });

  it('fingerprints differ by type, by value boundary and by index root', () => {
    const base = keys.fingerprint('ssn', '123456789');
    expect(keys.fingerprint('phone', '123456789').equals(base)).toBe(false);
    expect(keys.fingerprint('ssn1', '23456789').equals(base)).toBe(false);
    expect(new IndexKeys(generateKey()).fingerprint('ssn', '123456789').equals(base)).toBe(false);
  });

  it('keyed hashes use the subkey hash/<namespace>', () => {
    const hash = keys.keyedHash('research', 'P-000123');
    expect(hash.toString('hex')).toBe('470ecf5c760060f152a4c37761b358c5706698ac458978082f489a8199b54be0');
    expect(keys.keyedHash('research', 'P-000123').equals(hash)).toBe(true);
    expect(keys.keyedHash('billing', 'P-000123').equals(hash)).toBe(false);
    expect(() => keys.keyedHash('', 'P-000123')).toThrow(RangeError);
  });

  it('runs FF1 under the subkey ff1/<namespace>, reversibly and deterministically', () => {
    const tweak = Buffer.from('ssn');
    const token = keys.ff1EncryptString('ssn', DECIMAL_ALPHABET, tweak, '123456789');
    expect(token).toMatch(/^\d{9}$/);
    expect(new IndexKeys(root).ff1EncryptString('ssn', DECIMAL_ALPHABET, tweak, '123456789')).toBe(token);
    expect(keys.ff1DecryptString('ssn', DECIMAL_ALPHABET, tweak, token)).toBe('123456789');
    expect(keys.ff1EncryptString('zip', DECIMAL_ALPHABET, tweak, '123456789')).not.toBe(token);
    const numerals = [1, 2, 3, 4, 5, 6, 7];
    expect(keys.ff1Decrypt('mrn', 10, tweak, keys.ff1Encrypt('mrn', 10, tweak, numerals))).toEqual(numerals);
  });

  it('FF1 results equal FF1 under deriveKey(root, "ff1/<namespace>") (the documented derivation)', () => {
    const expected = ff1EncryptString(deriveKey(root, 'ff1/ssn'), DECIMAL_ALPHABET, new Uint8Array(), '123456789');
    expect(keys.ff1EncryptString('ssn', DECIMAL_ALPHABET, new Uint8Array(), '123456789')).toBe(expected);
  });

  it('date shifts are deterministic, non-zero and within [-maxDays, maxDays]', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 3650 }), (patient, maxDays) => {
        const shift = keys.dateShiftDays(patient, maxDays);
        expect(Number.isInteger(shift)).toBe(true);
        expect(shift).not.toBe(0);
        expect(Math.abs(shift)).toBeLessThanOrEqual(maxDays);
        expect(keys.dateShiftDays(patient, maxDays)).toBe(shift);
      }),
    );
  });

  it('date shifts reach both ends of the range and spread over it', () => {
    const seen = new Set(Array.from({ length: 400 }, (_, i) => keys.dateShiftDays(`P-${i}`, 2)));
    expect([...seen].sort()).toEqual([-1, -2, 1, 2]);
    expect(keys.dateShiftDays('P-1', 1)).toSatisfy((shift: number) => shift === 1 || shift === -1);
    expect(() => keys.dateShiftDays('P-1', 0)).toThrow(RangeError);
    expect(() => keys.dateShiftDays('P-1', 1.5)).toThrow(RangeError);
  });

  it('owns a copy of the root and exposes no key', () => {
    const mutable = Buffer.from(root);
    const owned = new IndexKeys(mutable);
    const before = owned.keyedHash('research', 'P-1');
    mutable.fill(0);
    expect(owned.keyedHash('research', 'P-1').equals(before)).toBe(true);
    expect(Object.keys(owned)).toEqual([]);
    expect(Object.getOwnPropertyNames(owned)).toEqual([]);
    expect(JSON.stringify(owned)).toBe('{}');
    const shown = inspect(owned, { showHidden: true, depth: 10 });
    for (const secret of [root, deriveKey(root, 'fingerprint/v1'), deriveKey(root, 'hash/research')]) {
      expect(shown).not.toContain(secret.toString('hex'));
    }
  });

  it('refuses an index root that is not 32 bytes', () => {
    expect(() => new IndexKeys(root.subarray(0, 16))).toThrow(RangeError);
  });
});
