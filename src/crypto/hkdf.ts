import { hkdfSync } from 'node:crypto';

/**
 * HKDF-SHA256 (RFC 5869) subkeys of a root secret, one per purpose (`fingerprint/v1`, `ff1/ssn`, ...).
 * The salt is fixed so a purpose always yields the same subkey: fingerprints and deterministic tokens must
 * survive restarts. Distinct purposes give independent keys, so one subkey leaking reveals no other.
 */
const HKDF_SALT = Buffer.from('phi-vault/hkdf/v1', 'utf8');
const MIN_ROOT_BYTES = 32;
const MAX_OUTPUT_BYTES = 255 * 32;

export function deriveKey(root: Buffer, purpose: string, length = 32): Buffer {
  if (root.length < MIN_ROOT_BYTES) throw new RangeError(`an HKDF root key needs at least ${MIN_ROOT_BYTES} bytes`);
  if (purpose.length === 0) throw new RangeError('an HKDF purpose must not be empty');
  if (!Number.isInteger(length) || length < 1 || length > MAX_OUTPUT_BYTES) {
    throw new RangeError(`an HKDF output length must be 1 to ${MAX_OUTPUT_BYTES} bytes`);
  }
  return Buffer.from(hkdfSync('sha256', root, HKDF_SALT, purpose, length));
}
