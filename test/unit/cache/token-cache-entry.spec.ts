import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TOMBSTONE } from '../../../src/cache/cache-store.js';
import { decodePointer, decodeRecord, encodePointer, encodeRecord, recordKey } from '../../../src/cache/token-cache-entry.js';
import { IndexKeys } from '../../../src/crypto/envelope.js';
import { TOKEN_TYPES } from '../../../src/formats/format.js';
import type { TokenRecord } from '../../../src/tokens/token.repository.js';

const keys = new IndexKeys(randomBytes(32));
const mac = (cacheKey: string, payload: string) => keys.cacheEntryMac(cacheKey, payload);
const otherKeys = new IndexKeys(randomBytes(32));
const otherMac = (cacheKey: string, payload: string) => otherKeys.cacheEntryMac(cacheKey, payload);

const record = fc.record({
  tokenKey: fc.string({ minLength: 1, maxLength: 40 }),
  type: fc.constantFrom(...TOKEN_TYPES),
  token: fc.string({ minLength: 1, maxLength: 40 }),
  ciphertext: fc.uint8Array({ minLength: 29, maxLength: 120 }).map((bytes) => Buffer.from(bytes)),
  keyVersion: fc.integer({ min: 1, max: 2 ** 31 }),
  patientRef: fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: null }),
  tags: fc.array(fc.constantFrom('restricted', 'vip', 'research'), { maxLength: 3 }),
  createdAt: fc.date({ min: new Date(2020, 0, 1), max: new Date(2030, 0, 1), noInvalidDate: true }),
  expiresAt: fc.option(fc.date({ min: new Date(2020, 0, 1), max: new Date(2030, 0, 1), noInvalidDate: true }), { nil: null }),
  erasedAt: fc.constant(null),
  fingerprint: fc.option(fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes)), { nil: null }),
}) satisfies fc.Arbitrary<TokenRecord>;

const sample: TokenRecord = fc.sample(record, 1)[0];

describe('token cache entries', () => {
  it('read back exactly what was written', () => {
    fc.assert(
      fc.property(record, (written) => {
        const decoded = decodeRecord(written.tokenKey, encodeRecord(written, mac), mac);
        expect(decoded).toEqual({ kind: 'hit', value: written });
      }),
    );
  });

  it('are rejected when any character of the stored string changes', () => {
    const stored = encodeRecord({ ...sample, tags: [] }, mac);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: stored.length - 1 }), fc.integer({ min: 1, max: 94 }), (at, shift) => {
        const code = 32 + ((stored.charCodeAt(at) - 32 + shift) % 95);
        const tampered = stored.slice(0, at) + String.fromCharCode(code) + stored.slice(at + 1);
        fc.pre(tampered !== stored);
        expect(decodeRecord(sample.tokenKey, tampered, mac).kind).toBe('rejected');
      }),
    );
  });

  it('cannot be forged without the index root, nor moved to another token key', () => {
    const restricted = { ...sample, tags: ['restricted'] };
    // Someone with Redis access but not the key writes an untagged copy: rejected, so the policy still sees the row.
    expect(decodeRecord(sample.tokenKey, encodeRecord({ ...restricted, tags: [] }, otherMac), mac).kind).toBe('rejected');
    expect(decodeRecord(`${sample.tokenKey}x`, encodeRecord(restricted, mac), mac).kind).toBe('rejected');
    expect(decodeRecord(sample.tokenKey, 'no-dot-here', mac).kind).toBe('rejected');
    expect(decodeRecord(sample.tokenKey, `${mac(recordKey(sample.tokenKey), 'not json').toString('base64url')}.not json`, mac).kind).toBe('rejected');
  });

  it('distinguish a miss and a tombstone from an entry', () => {
    expect(decodeRecord(sample.tokenKey, null, mac)).toEqual({ kind: 'miss' });
    expect(decodeRecord(sample.tokenKey, TOMBSTONE, mac)).toEqual({ kind: 'tombstone' });
  });

  it('bind a fingerprint pointer to its fingerprint', () => {
    const hex = randomBytes(32).toString('hex');
    const stored = encodePointer(hex, 'tokenkey-1', mac);
    expect(decodePointer(hex, stored, mac)).toEqual({ kind: 'hit', value: 'tokenkey-1' });
    expect(decodePointer(randomBytes(32).toString('hex'), stored, mac).kind).toBe('rejected');
    expect(decodePointer(hex, stored.replace('tokenkey-1', 'tokenkey-2'), mac).kind).toBe('rejected');
  });

  it('never hold a value in the clear: only the ciphertext, base64', () => {
    const value = '123-45-6789';
    const stored = encodeRecord({ ...sample, ciphertext: randomBytes(48) }, mac);
    expect(stored).not.toContain(value);
    expect(Object.keys(JSON.parse(stored.slice(stored.indexOf('.') + 1))).sort()).toEqual(['a', 'c', 'e', 'f', 'g', 'k', 'n', 'p', 'y']);
  });
});
