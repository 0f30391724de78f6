import type { TokenType } from '../formats/format.js';
import { formatOf } from '../formats/registry.js';

/**
 * Whether a presented string is a rendering, in one of its type's layouts, of exactly this stored canonical
 * token (as in tokens/presented-token.ts, which also refuses expired rows: erasure does not, since an expired
 * row still holds its ciphertext). Sharing a token key is not enough: keys of different tokens may coincide.
 */
export function presentsStoredToken(presented: string, stored: { readonly type: TokenType; readonly token: string }): boolean {
  const parsed = formatOf(stored.type).parseToken(presented);
  return parsed !== null && parsed.canonical === stored.token;
}
