import { Buffer } from 'node:buffer';
import { drawWhere, randomString } from './draw.js';
import type { TokenFormat } from './format.js';

/** Free text is kept exactly: the canonical form is the value itself and there is no layout. */
export type TextLayout = null;

/** Text tokens are not format-preserving: `tok_` and 22 base-62 characters (about 131 bits). */
export const TEXT_TOKEN_PATTERN = /^tok_[0-9A-Za-z]{22}$/;
const TOKEN_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const TOKEN_BODY_LENGTH = 22;
const MAX_UTF8_BYTES = 4096;

/** A lone surrogate has no UTF-8 encoding. */
const LONE_SURROGATE = /\p{Surrogate}/u;

export const textFormat: TokenFormat<TextLayout> = {
  type: 'text',

  parseValue(value) {
    if (LONE_SURROGATE.test(value)) return { invalid: 'text must be valid Unicode (no lone surrogates)' };
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes < 1 || bytes > MAX_UTF8_BYTES) return { invalid: 'text must be 1 to 4096 bytes of UTF-8' };
    return { canonical: value, layout: null };
  },

  parseToken(token) {
    return TEXT_TOKEN_PATTERN.test(token) ? { canonical: token, layout: null } : null;
  },

  render(canonical) {
    return canonical;
  },

  randomToken(canonicalValue) {
    return drawWhere(
      () => `tok_${randomString(TOKEN_ALPHABET, TOKEN_BODY_LENGTH)}`,
      (candidate) => candidate !== canonicalValue,
    );
  },

  tokenSpaceSize() {
    return BigInt(TOKEN_ALPHABET.length) ** BigInt(TOKEN_BODY_LENGTH);
  },
};
