import { timingSafeEqual } from 'node:crypto';
import { isTokenType } from '../formats/format.js';
import type { TokenRecord } from '../tokens/token.repository.js';
import { TOKEN_CACHE_NAMESPACE } from './redis-cache-store.js';
import { TOMBSTONE } from './cache-store.js';

/** MAC over a cache key and the entry stored under it (IndexKeys.cacheEntryMac). */
export type EntryMac = (cacheKey: string, payload: string) => Buffer;

/** Where a token's encrypted record is cached, by its token key. */
export const recordKey = (tokenKey: string): string => `${TOKEN_CACHE_NAMESPACE}t:${tokenKey}`;
/** Where a deterministic-mode fingerprint points to its token key. Fingerprints are keyed HMACs, never values. */
export const fingerprintKey = (fingerprintHex: string): string => `${TOKEN_CACHE_NAMESPACE}f:${fingerprintHex}`;

/** How a stored string reads back: an entry, a tombstone, nothing, or something that failed authentication. */
export type Decoded<T> = { readonly kind: 'hit'; readonly value: T } | { readonly kind: 'tombstone' | 'miss' | 'rejected' };

/**
 * `<MAC>.<JSON>`, the MAC (base64url) covering the cache key and the JSON. Entries hold what the row holds:
 * the ciphertext (still bound by AES-GCM to its token key, type and key version), never a plaintext or a key.
 * Erased rows are never cached.
 */
export function encodeRecord(record: TokenRecord, mac: EntryMac): string {
  const payload = JSON.stringify({
    y: record.type,
    k: record.token,
    c: (record.ciphertext as Buffer).toString('base64'),
    n: record.keyVersion,
    p: record.patientRef,
    g: record.tags,
    a: record.createdAt.getTime(),
    e: record.expiresAt?.getTime() ?? null,
    f: record.fingerprint?.toString('hex') ?? null,
  });
  return seal(recordKey(record.tokenKey), payload, mac);
}

export function decodeRecord(tokenKey: string, stored: string | null, mac: EntryMac): Decoded<TokenRecord> {
  const opened = open(recordKey(tokenKey), stored, mac);
  if (opened.kind !== 'hit') return opened;
  const fields = parseObject(opened.value);
  if (fields === null || !isTokenType(fields.y) || typeof fields.k !== 'string' || typeof fields.c !== 'string') return REJECTED;
  if (!Number.isInteger(fields.n) || typeof fields.a !== 'number' || !Array.isArray(fields.g) || !fields.g.every((tag) => typeof tag === 'string')) return REJECTED;
  if (!(fields.p === null || typeof fields.p === 'string') || !(fields.e === null || typeof fields.e === 'number')) return REJECTED;
  if (!(fields.f === null || typeof fields.f === 'string')) return REJECTED;
  return {
    kind: 'hit',
    value: {
      tokenKey,
      type: fields.y,
      token: fields.k,
      ciphertext: Buffer.from(fields.c, 'base64'),
      keyVersion: fields.n as number,
      patientRef: fields.p,
      tags: fields.g as string[],
      createdAt: new Date(fields.a),
      expiresAt: fields.e === null ? null : new Date(fields.e),
      erasedAt: null,
      fingerprint: fields.f === null ? null : Buffer.from(fields.f, 'hex'),
    },
  };
}

export function encodePointer(fingerprintHex: string, tokenKey: string, mac: EntryMac): string {
  return seal(fingerprintKey(fingerprintHex), tokenKey, mac);
}

export function decodePointer(fingerprintHex: string, stored: string | null, mac: EntryMac): Decoded<string> {
  return open(fingerprintKey(fingerprintHex), stored, mac);
}

const REJECTED = { kind: 'rejected' } as const;

function seal(cacheKey: string, payload: string, mac: EntryMac): string {
  return `${mac(cacheKey, payload).toString('base64url')}.${payload}`;
}

function open(cacheKey: string, stored: string | null, mac: EntryMac): Decoded<string> {
  if (stored === null) return { kind: 'miss' };
  if (stored === TOMBSTONE) return { kind: 'tombstone' };
  const dot = stored.indexOf('.');
  if (dot < 0) return REJECTED;
  const payload = stored.slice(dot + 1);
  const presented = Buffer.from(stored.slice(0, dot), 'base64url');
  const expected = mac(cacheKey, payload);
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return REJECTED;
  return { kind: 'hit', value: payload };
}

function parseObject(json: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(json);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null; // an authenticated entry is JSON we wrote; anything else is rejected like a bad MAC
  }
}
