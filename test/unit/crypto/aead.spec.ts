import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecryptionError, GCM_NONCE_BYTES, GCM_TAG_BYTES, openAesGcm, sealAesGcm } from '../../../src/crypto/aead.js';

const key = randomBytes(32);
const aad = Buffer.from('row-7/ssn');
const plaintext = Buffer.from('123-45-6789');

function expectDecryptionError(run: () => unknown): void {
  expect(run).toThrow(DecryptionError);
}

describe('AES-256-GCM seal/open', () => {
  it('round-trips any plaintext and AAD', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.uint8Array({ maxLength: 64 }), (bytes, extra) => {
        const sealed = sealAesGcm(key, Buffer.from(bytes), Buffer.from(extra));
        expect(sealed.length).toBe(GCM_NONCE_BYTES + bytes.length + GCM_TAG_BYTES);
        expect(openAesGcm(key, sealed, Buffer.from(extra)).equals(Buffer.from(bytes))).toBe(true);
      }),
    );
  });

  it('uses a fresh nonce for every seal', () => {
    const nonces = new Set(Array.from({ length: 200 }, () => sealAesGcm(key, plaintext, aad).subarray(0, 12).toString('hex')));
    expect(nonces.size).toBe(200);
  });

  it('rejects any single flipped bit in nonce, ciphertext or tag', () => {
    const sealed = sealAesGcm(key, plaintext, aad);
    for (let bit = 0; bit < sealed.length * 8; bit++) {
      const tampered = Buffer.from(sealed);
      tampered[bit >> 3] ^= 1 << (bit & 7);
      expectDecryptionError(() => openAesGcm(key, tampered, aad));
    }
  });

  it('rejects another AAD', () => {
    const sealed = sealAesGcm(key, plaintext, aad);
    expectDecryptionError(() => openAesGcm(key, sealed, Buffer.from('row-8/ssn')));
    expectDecryptionError(() => openAesGcm(key, sealed, Buffer.alloc(0)));
  });

  it('rejects another key', () => {
    const sealed = sealAesGcm(key, plaintext, aad);
    expectDecryptionError(() => openAesGcm(randomBytes(32), sealed, aad));
  });

  it('rejects truncated input of every length', () => {
    const sealed = sealAesGcm(key, plaintext, aad);
    for (let length = 0; length < sealed.length; length++) {
      expectDecryptionError(() => openAesGcm(key, sealed.subarray(0, length), aad));
    }
  });

  it('says nothing about the input when it fails', () => {
    const sealed = sealAesGcm(key, plaintext, aad);
    sealed[sealed.length - 1] ^= 1;
    try {
      openAesGcm(key, sealed, aad);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DecryptionError);
      expect((error as Error).message).toBe('decryption failed');
      expect((error as DecryptionError).reason).toBe('authentication-failed');
    }
  });

  it('accepts only 32-byte keys', () => {
    expect(() => sealAesGcm(randomBytes(16), plaintext, aad)).toThrow(RangeError);
    expect(() => openAesGcm(randomBytes(31), sealAesGcm(key, plaintext, aad), aad)).toThrow(RangeError);
  });
});
