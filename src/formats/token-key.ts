import { lowerOne } from './case.js';
import { TEXT_TOKEN_PATTERN } from './text.js';

const US_DATE = /^(\d{2})\/(\d{2})\/(\d{4})$/;
const PLUS_ONE_PHONE = /^\+1(\d{10})$/;
const NOT_LETTER_OR_DIGIT = /[^\p{L}\p{N}]/gu;
const ASCII = /^[\x00-\x7f]*$/;

/**
 * The type-independent lookup key of a presented token (the API receives tokens without their type, and the
 * database's unique index is on this key). Invariant, property-tested per type: every rendering of one
 * canonical token of one type has the same key, so a token is found in whatever layout it comes back.
 * Different tokens may share a key; the database reports the collision and the caller draws again.
 */
export function tokenKey(rendered: string): string {
  // Text tokens are case-sensitive base 62; no other type renders as tok_ + 22 characters.
  if (TEXT_TOKEN_PATTERN.test(rendered)) return rendered;
  // Email tokens: case is layout.
  if (rendered.includes('@')) return rendered.toLowerCase();
  // MM/DD/YYYY keys as YYYYMMDD, like YYYY-MM-DD does below.
  const usDate = US_DATE.exec(rendered);
  if (usDate) return usDate[3] + usDate[1] + usDate[2];
  // +1dddddddddd keys as its ten digits, like the other phone layouts.
  const plusOne = PLUS_ONE_PHONE.exec(rendered);
  return lettersAndDigitsFolded(plusOne ? plusOne[1] : rendered);
}

/** Case and separators are layout for every other type. ASCII lowers one code point at a time by itself. */
function lettersAndDigitsFolded(rendered: string): string {
  const lowered = ASCII.test(rendered) ? rendered.toLowerCase() : Array.from(rendered, lowerOne).join('');
  return lowered.replace(NOT_LETTER_OR_DIGIT, '');
}
