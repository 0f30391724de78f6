import { hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deriveKey } from '../../../src/crypto/hkdf.js';

const root = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');

describe('HKDF-SHA256', () => {
  it('the primitive matches RFC 5869 test case 1', () => {
    const ikm = Buffer.alloc(22, 0x0b);
    const salt = Buffer.from('000102030405060708090a0b0c', 'hex');
    const info = Buffer.from('f0f1f2f3f4f5f6f7f8f9', 'hex');
    const okm = Buffer.from(hkdfSync('sha256', ikm, salt, info, 42));
    expect(okm.toString('hex')).toBe(
      '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
    );
  });

  it('deriveKey is HKDF-SHA256 with salt "phi-vault/hkdf/v1" and info = purpose', () => {
    const expected = Buffer.from(hkdfSync('sha256', root, 'phi-vault/hkdf/v1', 'fingerprint/v1', 32));
    expect(deriveKey(root, 'fingerprint/v1').equals(expected)).toBe(true);
  });

  it('keeps deriving the same subkey (fingerprints and FPE tokens depend on it)', () => {
    // Pinned from an independent HKDF (Python hmac/hashlib): a change here would orphan every issued token.
    expect(deriveKey(root, 'fingerprint/v1').toString('hex')).toBe(PINNED_FINGERPRINT_SUBKEY);
  });

  it('gives distinct keys for distinct purposes and distinct roots', () => {
    const purposes = ['fingerprint/v1', 'ff1/ssn', 'ff1/phone', 'hash/v1', 'date-shift/v1'];
    const keys = new Set(purposes.map((purpose) => deriveKey(root, purpose).toString('hex')));
    expect(keys.size).toBe(purposes.length);
    const otherRoot = Buffer.alloc(32, 7);
    expect(deriveKey(otherRoot, 'ff1/ssn').equals(deriveKey(root, 'ff1/ssn'))).toBe(false);
  });

  it('honours the requested length and refuses bad inputs', () => {
    expect(deriveKey(root, 'ff1/ssn', 16)).toHaveLength(16);
    expect(() => deriveKey(root.subarray(0, 16), 'ff1/ssn')).toThrow(RangeError);
    expect(() => deriveKey(root, '')).toThrow(RangeError);
    expect(() => deriveKey(root, 'x', 0)).toThrow(RangeError);
  });
});

const PINNED_FINGERPRINT_SUBKEY = '4a74b27bddc34d150c945b520e7ba76f07e5b49b3b44dfbac686e6bc8bff66e8';
