import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DecryptionError } from '../../../src/crypto/aead.js';
import { generateKey, kekId, unwrapKey, wrapKey } from '../../../src/crypto/envelope.js';

const kek = generateKey();
const dataKey = generateKey();

describe('wrapping keys under the KEK', () => {
  it('generates distinct 32-byte keys', () => {
    expect(generateKey()).toHaveLength(32);
    expect(generateKey().equals(generateKey())).toBe(false);
  });

  it('round-trips a data key and an index root', () => {
    expect(unwrapKey(kek, 'data', 3, wrapKey(kek, 'data', 3, dataKey)).equals(dataKey)).toBe(true);
    expect(unwrapKey(kek, 'index', 1, wrapKey(kek, 'index', 1, dataKey)).equals(dataKey)).toBe(true);
  });

  it('opens a key wrapped by an independent implementation (pins the layout and AAD)', () => {
    // Python `cryptography` AESGCM, nonce 000102..0b, AAD = length-prefixed ("phi-vault/wrap/v1", "data", uint32 3).
    const wrapped = Buffer.from(PINNED_WRAPPED, 'hex');
    expect(unwrapKey(Buffer.alloc(32, 0x22), 'data', 3, wrapped).equals(Buffer.alloc(32, 0x11))).toBe(true);
  });

  it('fails under another KEK', () => {
    const wrapped = wrapKey(kek, 'data', 1, dataKey);
    expect(() => unwrapKey(generateKey(), 'data', 1, wrapped)).toThrow(DecryptionError);
  });

  it('fails when moved to another version or purpose', () => {
    const wrapped = wrapKey(kek, 'data', 2, dataKey);
    expect(() => unwrapKey(kek, 'data', 3, wrapped)).toThrow(DecryptionError);
    expect(() => unwrapKey(kek, 'index', 2, wrapped)).toThrow(DecryptionError);
  });

  it('fails on a tampered or truncated wrapped key', () => {
    const wrapped = wrapKey(kek, 'data', 1, dataKey);
    const tampered = Buffer.from(wrapped);
    tampered[20] ^= 0x80;
    expect(() => unwrapKey(kek, 'data', 1, tampered)).toThrow(DecryptionError);
    expect(() => unwrapKey(kek, 'data', 1, wrapped.subarray(0, 27))).toThrow(DecryptionError);
  });

  it('refuses bad versions, purposes and key sizes', () => {
    expect(() => wrapKey(kek, 'data', 0, dataKey)).toThrow(RangeError);
    expect(() => wrapKey(kek, 'data', 1.5, dataKey)).toThrow(RangeError);
    expect(() => wrapKey(kek, 'data', 2 ** 32, dataKey)).toThrow(RangeError);
    expect(() => wrapKey(kek, 'other' as 'data', 1, dataKey)).toThrow(RangeError);
    expect(() => wrapKey(kek, 'data', 1, randomBytes(16))).toThrow(RangeError);
    expect(() => wrapKey(randomBytes(16), 'data', 1, dataKey)).toThrow(RangeError);
  });

  it('kekId is 16 hex chars of HMAC-SHA256(kek, "phi-vault/kek-id/v1"), stable, distinct across KEKs', () => {
    expect(kekId(kek)).toMatch(/^[0-9a-f]{16}$/);
    expect(kekId(Buffer.from(kek))).toBe(kekId(kek));
    expect(kekId(generateKey())).not.toBe(kekId(kek));
    const expected = createHmac('sha256', kek).update('phi-vault/kek-id/v1').digest('hex').slice(0, 16);
    expect(kekId(kek)).toBe(expected);
    expect(kekId(Buffer.alloc(32, 0x22))).toBe('4c89882dd82bef29');
  });
});

const PINNED_WRAPPED =
  '000102030405060708090a0b57d1860eaa3c99d529270498554db26b6558d04650b07592fe3364a3870eacd1c87a565f45d2911d968b4f212ea705ab';
