import { formatOf } from '../formats/registry.js';
import type { TokenRecord } from './token.repository.js';

export interface PresentedMatch {
  readonly record: TokenRecord;
  /** The layout the caller wrote the token in; the value is revealed in the same layout. */
  readonly layout: unknown;
}

/**
 * A presented token matches a stored one only if it is a rendering, in one of the type's layouts, of exactly
 * the stored canonical token, and the token is live (not erased, not expired). Sharing a token key is not
 * enough: keys of different tokens may coincide.
 */
export function matchPresented(presented: string, record: TokenRecord | undefined, now = new Date()): PresentedMatch | null {
  if (record === undefined || record.ciphertext === null || record.erasedAt !== null) return null;
  if (record.expiresAt !== null && record.expiresAt <= now) return null;
  const parsed = formatOf(record.type).parseToken(presented);
  if (parsed === null || parsed.canonical !== record.token) return null;
  return { record, layout: parsed.layout };
}
