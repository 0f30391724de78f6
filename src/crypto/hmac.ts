import { createHmac } from 'node:crypto';
import { lengthPrefixed, type Part } from './length-prefixed.js';

/**
 * HMAC-SHA256 over length-prefixed parts (see length-prefixed.ts), so the boundaries between parts are
 * authenticated too: ("ab", "c") and ("a", "bc") have different MACs. Keys shorter than 32 bytes are
 * rejected: every key this service MACs with is a 32-byte random or derived key.
 */
const MIN_KEY_BYTES = 32;

export function hmacSha256(key: Buffer, ...parts: Part[]): Buffer {
  if (key.length < MIN_KEY_BYTES) throw new RangeError(`an HMAC key needs at least ${MIN_KEY_BYTES} bytes`);
  return createHmac('sha256', key).update(lengthPrefixed(...parts)).digest();
}
