import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM with a random 96-bit nonce, as one self-contained byte string:
 *
 *   nonce (12) || ciphertext (= plaintext length) || tag (16)
 *
 * The nonce is random rather than a counter because keys are shared by every process of the service and no
 * counter can be coordinated across them. Random nonces stay safe while one key seals far fewer than 2^32
 * messages (NIST SP 800-38D, section 8.3); rotate data keys well before that.
 */
export const AES_KEY_BYTES = 32;
export const GCM_NONCE_BYTES = 12;
export const GCM_TAG_BYTES = 16;
export const GCM_OVERHEAD_BYTES = GCM_NONCE_BYTES + GCM_TAG_BYTES;

const ALGORITHM = 'aes-256-gcm';

export type DecryptionFailure = 'malformed' | 'unknown-key-version' | 'authentication-failed';

/**
 * Any failure to open a sealed value. The message is fixed and never describes the input, the key or the
 * plaintext; `reason` tells an operator which class of failure happened without saying more.
 */
export class DecryptionError extends Error {
  readonly code = 'DECRYPTION_FAILED';

  constructor(readonly reason: DecryptionFailure = 'authentication-failed') {
    super('decryption failed');
    this.name = 'DecryptionError';
  }
}

export function assertAesKey(key: Uint8Array): void {
  if (key.length !== AES_KEY_BYTES) throw new RangeError(`AES-256-GCM needs a ${AES_KEY_BYTES}-byte key`);
}

export function sealAesGcm(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  assertAesKey(key);
  const nonce = randomBytes(GCM_NONCE_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: GCM_TAG_BYTES });
  cipher.setAAD(aad);
  const body = cipher.update(plaintext);
  const tail = cipher.final();
  return Buffer.concat([nonce, body, tail, cipher.getAuthTag()]);
}

/** Opens `nonce || ciphertext || tag`; throws DecryptionError unless key, AAD and every byte are intact. */
export function openAesGcm(key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  assertAesKey(key);
  if (sealed.length < GCM_OVERHEAD_BYTES) throw new DecryptionError('malformed');
  const nonce = sealed.subarray(0, GCM_NONCE_BYTES);
  const body = sealed.subarray(GCM_NONCE_BYTES, sealed.length - GCM_TAG_BYTES);
  const tag = sealed.subarray(sealed.length - GCM_TAG_BYTES);
  const decipher = createDecipheriv(ALGORITHM, key, nonce, { authTagLength: GCM_TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  const plaintext = decipher.update(body);
  try {
    return Buffer.concat([plaintext, decipher.final()]);
  } catch {
    // OpenSSL only reports "unable to authenticate"; the unauthenticated plaintext is discarded unread.
    plaintext.fill(0);
    throw new DecryptionError('authentication-failed');
  }
}
