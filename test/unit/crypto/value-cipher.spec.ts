import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecryptionError } from '../../../src/crypto/aead.js';
import { ValueCipher, generateKey } from '../../../src/crypto/envelope.js';

const key1 = generateKey();
const key2 = generateKey();
const cipher = new ValueCipher({ dataKeys: new Map([[1, key1]]), currentVersion: 1 });
const binding = { tokenKey: 'tk_0001', type: 'ssn' };

function decryptionReason(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DecryptionError);
    expect((error as Error).message).toBe('decryption failed');
    return (error as DecryptionError).reason;
  }
  throw new Error('expected a DecryptionError');
}

describe('ValueCipher', () => {
  it('round-trips any Unicode string under any binding', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.string(), fc.string(), (value, tokenKey, type) => {
        const sealed = cipher.encrypt(value, { tokenKey, type });
        expect(cipher.decrypt(sealed, { tokenKey, type })).toBe(value);
      }),
    );
  });

  it('lays out 0x01 || uint32 BE version || nonce || ciphertext || tag', () => {
    const sealed = cipher.encrypt('123-45-6789', binding);
    expect(sealed[0]).toBe(0x01);
    expect(sealed.readUInt32BE(1)).toBe(1);
    expect(sealed).toHaveLength(5 + 12 + 11 + 16);
    expect(cipher.keyVersionOf(sealed)).toBe(1);
    expect(cipher.encrypt('123-45-6789', binding).equals(sealed)).toBe(false);
  });

  it('decrypts a value sealed by an independent implementation (pins layout and AAD)', () => {
    // Python `cryptography` AESGCM, key 0x11 * 32 as version 3, nonce 000102..0b, AAD = length-prefixed
    // ("phi-vault/value/v1", 0x01, uint32 3, "tk_0001", "ssn").
    const pinned = new ValueCipher({ dataKeys: new Map([[3, Buffer.alloc(32, 0x11)]]), currentVersion: 3 });
    expect(pinned.decrypt(Buffer.from(PINNED_VALUE, 'hex'), binding)).toBe('123-45-6789 é😀');
  });

  it('fails when the ciphertext is moved to another tokenKey', () => {
    const sealed = cipher.encrypt('123-45-6789', binding);
    expect(decryptionReason(() => cipher.decrypt(sealed, { ...binding, tokenKey: 'tk_0002' }))).toBe('authentication-failed');
  });

  it('fails when the type is changed', () => {
    const sealed = cipher.encrypt('123-45-6789', binding);
    expect(decryptionReason(() => cipher.decrypt(sealed, { ...binding, type: 'phone' }))).toBe('authentication-failed');
  });

  it('fails when the version header points at another known key', () => {
    const both = cipher.withDataKey(2, key2, false);
    const sealed = both.encrypt('123-45-6789', binding);
    const relabelled = Buffer.from(sealed);
    relabelled.writeUInt32BE(2, 1);
    expect(decryptionReason(() => both.decrypt(relabelled, binding))).toBe('authentication-failed');
  });

  it('fails when the version header is altered even if both versions hold the same key (the AAD binds it)', () => {
    const twins = new ValueCipher({ dataKeys: new Map([[1, key1], [2, key1]]), currentVersion: 1 });
    const relabelled = twins.encrypt('123-45-6789', binding);
    relabelled.writeUInt32BE(2, 1);
    expect(decryptionReason(() => twins.decrypt(relabelled, binding))).toBe('authentication-failed');
  });

  it('fails with DecryptionError on an unknown version', () => {
    const sealed = cipher.encrypt('123-45-6789', binding);
    sealed.writeUInt32BE(9, 1);
    expect(decryptionReason(() => cipher.decrypt(sealed, binding))).toBe('unknown-key-version');
  });

  it('fails with DecryptionError on another format byte, truncation or a flipped bit', () => {
    const sealed = cipher.encrypt('123-45-6789', binding);
    const reformatted = Buffer.from(sealed);
    reformatted[0] = 0x02;
    expect(decryptionReason(() => cipher.decrypt(reformatted, binding))).toBe('malformed');
    for (let length = 0; length < sealed.length; length++) {
      expect(() => cipher.decrypt(sealed.subarray(0, length), binding)).toThrow(DecryptionError);
    }
    for (let byte = 5; byte < sealed.length; byte++) {
      const tampered = Buffer.from(sealed);
      tampered[byte] ^= 0x01;
      expect(() => cipher.decrypt(tampered, binding)).toThrow(DecryptionError);
    }
  });

  it('withDataKey keeps old ciphertexts readable and seals new ones under the new version', () => {
    const old = cipher.encrypt('old value', binding);
    const rotated = cipher.withDataKey(2, key2, true);
    expect(rotated.currentVersion).toBe(2);
    expect(rotated.versions).toEqual([1, 2]);
    expect(rotated.decrypt(old, binding)).toBe('old value');
    const fresh = rotated.encrypt('new value', binding);
    expect(rotated.keyVersionOf(fresh)).toBe(2);
    expect(rotated.decrypt(fresh, binding)).toBe('new value');
    // The original instance is untouched: it neither knows version 2 nor switched to it.
    expect(cipher.currentVersion).toBe(1);
    expect(cipher.hasVersion(2)).toBe(false);
    expect(decryptionReason(() => cipher.decrypt(fresh, binding))).toBe('unknown-key-version');
  });

  it('withDataKey without makeCurrent adds a readable version but keeps writing under the current one', () => {
    const added = cipher.withDataKey(2, key2, false);
    expect(added.currentVersion).toBe(1);
    expect(added.hasVersion(2)).toBe(true);
    expect(added.keyVersionOf(added.encrypt('x', binding))).toBe(1);
  });

  it('never gives a version a different key', () => {
    expect(() => cipher.withDataKey(1, key2, true)).toThrow(RangeError);
    expect(cipher.withDataKey(1, Buffer.from(key1), true).currentVersion).toBe(1);
  });

  it('owns copies of its keys', () => {
    const mutable = Buffer.from(key1);
    const owned = new ValueCipher({ dataKeys: new Map([[1, mutable]]), currentVersion: 1 });
    const sealed = owned.encrypt('value', binding);
    mutable.fill(0);
    expect(owned.decrypt(sealed, binding)).toBe('value');
  });

  it('refuses a current version without a key, bad versions and short keys', () => {
    expect(() => new ValueCipher({ dataKeys: new Map([[1, key1]]), currentVersion: 2 })).toThrow(RangeError);
    expect(() => new ValueCipher({ dataKeys: new Map([[0, key1]]), currentVersion: 0 })).toThrow(RangeError);
    expect(() => new ValueCipher({ dataKeys: new Map([[1, key1.subarray(0, 16)]]), currentVersion: 1 })).toThrow(RangeError);
  });

  it('refuses a string UTF-8 cannot carry, without echoing it', () => {
    expect(() => cipher.encrypt('abc\ud800', binding)).toThrow('a value to encrypt must be well-formed Unicode');
  });

  it('exposes no key through its own properties, JSON or inspection', () => {
    const rotated = cipher.withDataKey(2, key2, true);
    expect(Object.keys(rotated)).toEqual([]);
    expect(Object.getOwnPropertyNames(rotated)).toEqual([]);
    expect(JSON.stringify(rotated)).toBe('{}');
    const shown = inspect(rotated, { showHidden: true, depth: 10 });
    for (const key of [key1, key2]) {
      expect(shown).not.toContain(key.toString('hex'));
      expect(shown).not.toContain(key.toString('base64'));
    }
    const returned = [rotated.currentVersion, rotated.versions, rotated.hasVersion(1)];
    expect(JSON.stringify(returned)).toBe('[2,[1,2],true]');
  });
});

const PINNED_VALUE =
  '0100000003000102030405060708090a0b22d1853e4f9618c22380eabf070607b95121789f1974127f6392dcd2f227b51007f1';
