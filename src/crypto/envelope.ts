import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AES_KEY_BYTES, DecryptionError, GCM_OVERHEAD_BYTES, assertAesKey, openAesGcm, sealAesGcm } from './aead.js';
import { ff1Decrypt, ff1DecryptString, ff1Encrypt, ff1EncryptString } from './ff1.js';
import { deriveKey } from './hkdf.js';
import { hmacSha256 } from './hmac.js';
import { lengthPrefixed } from './length-prefixed.js';

/**
 * The key hierarchy as pure code (see README.md in this folder):
 *
 *   KEK (VAULT_MASTER_KEY) ─wraps─> data keys, one per version ──> ValueCipher (values, AES-256-GCM)
 *                          └wraps─> index root (never rotated with data keys) ──HKDF──> IndexKeys
 *
 * No function or method here returns a data key, the index root or a key derived from it, except
 * generateKey and unwrapKey, which exist to produce keys for the keyring to hold.
 */

export function generateKey(): Buffer {
  return randomBytes(AES_KEY_BYTES);
}

// ── Wrapping keys under the KEK ──────────────────────────────────────────────────────────────────────

export type WrappedKeyPurpose = 'data' | 'index';

const WRAP_LABEL = 'phi-vault/wrap/v1';
const KEK_ID_LABEL = 'phi-vault/kek-id/v1';
const WRAP_PURPOSES: ReadonlySet<string> = new Set<WrappedKeyPurpose>(['data', 'index']);

/** `nonce || AES-256-GCM(kek, key) || tag`; the AAD binds the label, the purpose and the version. */
export function wrapKey(kek: Buffer, purpose: WrappedKeyPurpose, version: number, key: Buffer): Buffer {
  assertAesKey(kek);
  assertAesKey(key);
  return sealAesGcm(kek, key, wrapAad(purpose, version));
}

/** Fails with DecryptionError under another KEK, or when the wrapped key is filed under another purpose or version. */
export function unwrapKey(kek: Buffer, purpose: WrappedKeyPurpose, version: number, wrapped: Buffer): Buffer {
  assertAesKey(kek);
  const key = openAesGcm(kek, wrapped, wrapAad(purpose, version));
  if (key.length !== AES_KEY_BYTES) throw new DecryptionError('malformed');
  return key;
}

/**
 * A public identifier of a KEK: the first 16 hex characters of HMAC-SHA256(kek, "phi-vault/kek-id/v1").
 * Stored beside the wrapped keys so start-up can tell "this VAULT_MASTER_KEY did not wrap the data keys"
 * apart from corrupted data. A plain HMAC of the label (no length prefix) so an operator can reproduce it
 * with standard tools. 64 bits identify a key without helping anyone guess it.
 */
export function kekId(kek: Buffer): string {
  assertAesKey(kek);
  return createHmac('sha256', kek).update(KEK_ID_LABEL, 'utf8').digest('hex').slice(0, 16);
}

function wrapAad(purpose: WrappedKeyPurpose, version: number): Buffer {
  if (!WRAP_PURPOSES.has(purpose)) throw new RangeError('a wrapped key purpose must be "data" or "index"');
  return lengthPrefixed(WRAP_LABEL, purpose, uint32(version));
}

// ── Values: AES-256-GCM under versioned data keys ────────────────────────────────────────────────────

/** What a value ciphertext belongs to; both are bound into the AAD. */
export interface ValueBinding {
  readonly tokenKey: string;
  readonly type: string;
}

export interface ValueCipherKeys {
  readonly dataKeys: ReadonlyMap<number, Buffer>;
  readonly currentVersion: number;
}

const VALUE_FORMAT_V1 = 0x01;
const VALUE_LABEL = 'phi-vault/value/v1';
const VALUE_HEADER_BYTES = 1 + 4;
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Encrypts and decrypts stored values. Layout of a ciphertext:
 *
 *   0x01 (format) || uint32 BE key version || nonce (12) || ciphertext || tag (16)
 *
 * The AAD is the length-prefixed list ("phi-vault/value/v1", format byte, version (4 bytes BE), tokenKey,
 * type). So a ciphertext copied onto another row, relabelled with another type, or with its version header
 * rewritten to point at another key fails to decrypt instead of yielding a value in the wrong place.
 *
 * Instances are immutable; keys sit in private fields, are copied on the way in and never leave.
 */
export class ValueCipher {
  readonly #dataKeys: ReadonlyMap<number, Buffer>;
  readonly #currentVersion: number;

  constructor({ dataKeys, currentVersion }: ValueCipherKeys) {
    const own = new Map<number, Buffer>();
    for (const [version, key] of dataKeys) {
      assertKeyVersion(version);
      assertAesKey(key);
      own.set(version, Buffer.from(key));
    }
    assertKeyVersion(currentVersion);
    if (!own.has(currentVersion)) throw new RangeError('the current data-key version has no key');
    this.#dataKeys = own;
    this.#currentVersion = currentVersion;
  }

  get currentVersion(): number {
    return this.#currentVersion;
  }

  /** Every version this instance can decrypt, ascending. */
  get versions(): number[] {
    return [...this.#dataKeys.keys()].sort((a, b) => a - b);
  }

  hasVersion(version: number): boolean {
    return this.#dataKeys.has(version);
  }

  encrypt(plaintext: string, binding: ValueBinding): Buffer {
    // UTF-8 cannot carry a lone surrogate; encoding one would silently store a different value.
    if (LONE_SURROGATE.test(plaintext)) throw new TypeError('a value to encrypt must be well-formed Unicode');
    const version = this.#currentVersion;
    const header = valueHeader(version);
    const sealed = sealAesGcm(this.#keyFor(version), Buffer.from(plaintext, 'utf8'), valueAad(header, binding));
    return Buffer.concat([header, sealed]);
  }

  decrypt(ciphertext: Buffer, binding: ValueBinding): string {
    const version = this.keyVersionOf(ciphertext);
    const key = this.#dataKeys.get(version);
    if (!key) throw new DecryptionError('unknown-key-version');
    const header = ciphertext.subarray(0, VALUE_HEADER_BYTES);
    return openAesGcm(key, ciphertext.subarray(VALUE_HEADER_BYTES), valueAad(header, binding)).toString('utf8');
  }

  /** The data-key version named in a ciphertext's header (unauthenticated until decrypt succeeds). */
  keyVersionOf(ciphertext: Buffer): number {
    if (ciphertext.length < VALUE_HEADER_BYTES + GCM_OVERHEAD_BYTES || ciphertext[0] !== VALUE_FORMAT_V1) {
      throw new DecryptionError('malformed');
    }
    return ciphertext.readUInt32BE(1);
  }

  /**
   * A new instance that also holds `key` as `version` (the current one when `makeCurrent`); this one is
   * unchanged. A version's key never changes: adding a different key under a known version is refused.
   */
  withDataKey(version: number, key: Buffer, makeCurrent: boolean): ValueCipher {
    assertKeyVersion(version);
    assertAesKey(key);
    const existing = this.#dataKeys.get(version);
    if (existing && !timingSafeEqual(existing, key)) {
      throw new RangeError('a data-key version cannot be given a different key');
    }
    const dataKeys = new Map(this.#dataKeys).set(version, key);
    return new ValueCipher({ dataKeys, currentVersion: makeCurrent ? version : this.#currentVersion });
  }

  #keyFor(version: number): Buffer {
    const key = this.#dataKeys.get(version);
    if (!key) throw new RangeError('no data key for this version');
    return key;
  }
}

function valueHeader(version: number): Buffer {
  const header = Buffer.alloc(VALUE_HEADER_BYTES);
  header[0] = VALUE_FORMAT_V1;
  header.writeUInt32BE(version, 1);
  return header;
}

function valueAad(header: Buffer, binding: ValueBinding): Buffer {
  return lengthPrefixed(VALUE_LABEL, header.subarray(0, 1), header.subarray(1, 5), binding.tokenKey, binding.type);
}

// ── Deterministic secrets: subkeys of the index root ─────────────────────────────────────────────────

const FINGERPRINT_PURPOSE = 'fingerprint/v1';
const DATE_SHIFT_PURPOSE = 'date-shift/v1';
const CACHE_ENTRY_PURPOSE = 'cache-entry/v1';
const MAX_CACHED_NAMESPACES = 1024;
const MAX_DATE_SHIFT_DAYS = 2 ** 31 - 1;

/**
 * Everything deterministic the vault computes: fingerprints for deduplication, FF1 tokens, keyed hashes and
 * per-patient date shifts. All come from one 32-byte index root through HKDF subkeys, one per purpose.
 *
 * The index root is wrapped by the KEK like a data key but is never rotated with data keys: rotating it
 * would change every fingerprint, FPE token, keyed hash and date shift the vault has ever issued.
 *
 * Fixed-purpose subkeys are derived once here; per-namespace subkeys (FF1, keyed hashes) are derived on
 * first use and cached. None is ever returned: callers get MACs and FF1 results, never keys.
 */
export class IndexKeys {
  readonly #root: Buffer;
  readonly #fingerprintKey: Buffer;
  readonly #dateShiftKey: Buffer;
  readonly #cacheEntryKey: Buffer;
  readonly #namespaceKeys = new Map<string, Buffer>();

  constructor(indexRoot: Buffer) {
    assertAesKey(indexRoot);
    this.#root = Buffer.from(indexRoot);
    this.#fingerprintKey = deriveKey(this.#root, FINGERPRINT_PURPOSE);
    this.#dateShiftKey = deriveKey(this.#root, DATE_SHIFT_PURPOSE);
    this.#cacheEntryKey = deriveKey(this.#root, CACHE_ENTRY_PURPOSE);
  }

  /**
   * Authenticates a cache entry: the MAC covers the entry's cache key and every stored field, so an entry
   * written or edited by anyone without the index root (e.g. with access to Redis only) is rejected.
   */
  cacheEntryMac(cacheKey: string, payload: string): Buffer {
    return hmacSha256(this.#cacheEntryKey, cacheKey, payload);
  }

  /** 32 bytes identifying a canonical value of a type, equal for equal inputs, useless without the root. */
  fingerprint(type: string, canonical: string): Buffer {
    return hmacSha256(this.#fingerprintKey, type, canonical);
  }

  /** HMAC-SHA256 of `value` under the subkey `hash/<namespace>`: a pseudonym that cannot be brute-forced offline. */
  keyedHash(namespace: string, value: string): Buffer {
    return hmacSha256(this.#subkey('hash', namespace), value);
  }

  /** FF1 under the subkey `ff1/<namespace>` (one namespace per token type); see ff1.ts for the domain rule. */
  ff1Encrypt(namespace: string, radix: number, tweak: Uint8Array, numerals: number[]): number[] {
    return ff1Encrypt(this.#subkey('ff1', namespace), radix, tweak, numerals);
  }

  ff1Decrypt(namespace: string, radix: number, tweak: Uint8Array, numerals: number[]): number[] {
    return ff1Decrypt(this.#subkey('ff1', namespace), radix, tweak, numerals);
  }

  ff1EncryptString(namespace: string, alphabet: string, tweak: Uint8Array, text: string): string {
    return ff1EncryptString(this.#subkey('ff1', namespace), alphabet, tweak, text);
  }

  ff1DecryptString(namespace: string, alphabet: string, tweak: Uint8Array, text: string): string {
    return ff1DecryptString(this.#subkey('ff1', namespace), alphabet, tweak, text);
  }

  /**
   * A per-patient date shift in [-maxDays, maxDays] without 0, the same for every call with the same
   * patient, so intervals between one patient's dates survive de-identification. The modulo bias of a
   * 64-bit draw over at most 2^32 outcomes is below 2^-32.
   */
  dateShiftDays(patientKey: string, maxDays: number): number {
    if (!Number.isInteger(maxDays) || maxDays < 1 || maxDays > MAX_DATE_SHIFT_DAYS) {
      throw new RangeError('maxDays must be a positive integer');
    }
    const draw = hmacSha256(this.#dateShiftKey, patientKey).readBigUInt64BE(0) % BigInt(2 * maxDays);
    const offset = Number(draw);
    return offset < maxDays ? offset - maxDays : offset - maxDays + 1;
  }

  #subkey(kind: 'ff1' | 'hash', namespace: string): Buffer {
    if (namespace.length === 0) throw new RangeError('a key namespace must not be empty');
    const purpose = `${kind}/${namespace}`;
    const cached = this.#namespaceKeys.get(purpose);
    if (cached) return cached;
    const key = deriveKey(this.#root, purpose);
    // Namespaces are token types and policy names: a bounded set. The cap keeps memory bounded regardless.
    if (this.#namespaceKeys.size < MAX_CACHED_NAMESPACES) this.#namespaceKeys.set(purpose, key);
    return key;
  }
}

// ── Shared checks ────────────────────────────────────────────────────────────────────────────────────

function assertKeyVersion(version: number): void {
  if (!Number.isInteger(version) || version < 1 || version > 0xffff_ffff) {
    throw new RangeError('a key version must be an integer from 1 to 2^32-1');
  }
}

function uint32(value: number): Buffer {
  assertKeyVersion(value);
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value);
  return bytes;
}
