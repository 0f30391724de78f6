import { randomInt } from 'node:crypto';

/** Every draw in the formats goes through node:crypto's uniform randomInt. */

export const DIGITS = '0123456789';
export const LOWER_LATIN = 'abcdefghijklmnopqrstuvwxyz';
export const UPPER_LATIN = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** randomInt's range (max - min) must be below 2^48. */
const RANDOM_INT_RANGE_LIMIT = 2 ** 48;

export function randomCharOf(alphabet: string): string {
  return alphabet.charAt(randomInt(alphabet.length));
}

export function randomElementOf<T>(items: readonly T[]): T {
  return items[randomInt(items.length)];
}

/**
 * `length` characters, each uniform over `alphabet` and independent: up to k characters at a time come from
 * one randomInt below alphabet.length^k, written as k digits in base alphabet.length (most significant first).
 */
export function randomString(alphabet: string, length: number): string {
  const base = alphabet.length;
  let perDraw = 1;
  while (base ** (perDraw + 1) < RANDOM_INT_RANGE_LIMIT) perDraw++;
  let result = '';
  while (result.length < length) {
    const count = Math.min(perDraw, length - result.length);
    let value = randomInt(base ** count);
    let chunk = '';
    for (let i = 0; i < count; i++) {
      chunk = alphabet.charAt(value % base) + chunk;
      value = Math.floor(value / base);
    }
    result += chunk;
  }
  return result;
}

export function randomDigits(count: number): string {
  return randomString(DIGITS, count);
}

/**
 * Rejection sampling: draws until `accept` holds. A uniform draw conditioned on `accept` is uniform over the
 * accepted set. Callers guarantee the accepted set is not empty (every token space has at least two members,
 * so excluding the value always leaves one).
 */
export function drawWhere(draw: () => string, accept: (candidate: string) => boolean): string {
  for (;;) {
    const candidate = draw();
    if (accept(candidate)) return candidate;
  }
}
