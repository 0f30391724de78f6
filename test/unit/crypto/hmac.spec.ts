import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hmacSha256 } from '../../../src/crypto/hmac.js';

const key = randomBytes(32);

describe('HMAC-SHA256 over length-prefixed parts', () => {
  it('distinguishes ("ab", "c") from ("a", "bc") and from ("abc")', () => {
    const macs = [hmacSha256(key, 'ab', 'c'), hmacSha256(key, 'a', 'bc'), hmacSha256(key, 'abc')];
    expect(new Set(macs.map((mac) => mac.toString('hex'))).size).toBe(3);
  });

  it('is HMAC-SHA256 of uint32 BE length || bytes for each part, strings as UTF-8', () => {
    const framed = Buffer.concat([
      Buffer.from([0, 0, 0, 3]), Buffer.from('ssn'),
      Buffer.from([0, 0, 0, 2]), Buffer.from('é', 'utf8'),
      Buffer.from([0, 0, 0, 0]),
      Buffer.from([0, 0, 0, 2]), Buffer.from([0xff, 0x00]),
    ]);
    const mac = hmacSha256(key, 'ssn', 'é', '', Buffer.from([0xff, 0x00]));
    expect(mac.equals(createHmac('sha256', key).update(framed).digest())).toBe(true);
  });

  it('treats a string and its UTF-8 bytes alike, and differs whenever the split differs', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.nat(), (text, cut) => {
        expect(hmacSha256(key, text).equals(hmacSha256(key, Buffer.from(text, 'utf8')))).toBe(true);
        const bytes = Buffer.from(text, 'utf8');
        const at = bytes.length === 0 ? 0 : cut % (bytes.length + 1);
        const split = hmacSha256(key, bytes.subarray(0, at), bytes.subarray(at));
        expect(split.equals(hmacSha256(key, bytes))).toBe(false);
      }),
    );
  });

  it('refuses keys shorter than 32 bytes', () => {
    expect(() => hmacSha256(randomBytes(16), 'x')).toThrow(RangeError);
  });
});
