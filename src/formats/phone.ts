import { DIGITS, drawWhere, randomCharOf, randomDigits, randomElementOf } from './draw.js';
import type { Parsed, TokenFormat } from './format.js';

/** How a US number was written; the canonical form is its ten digits (area code, exchange, line). */
export type PhoneLayout = 'parenthesized' | 'dashed' | 'dotted' | 'plain' | 'plus-one';

const SHAPES: ReadonlyArray<readonly [PhoneLayout, RegExp]> = [
  ['parenthesized', /^\((\d{3})\) (\d{3})-(\d{4})$/],
  ['dashed', /^(\d{3})-(\d{3})-(\d{4})$/],
  ['dotted', /^(\d{3})\.(\d{3})\.(\d{4})$/],
  ['plain', /^(\d{3})(\d{3})(\d{4})$/],
  ['plus-one', /^\+1(\d{3})(\d{3})(\d{4})$/],
];

/**
 * Area codes NANPA reserves and never assigns: N9X (expansion), 37X and 96X (reserved). A token's area code
 * comes from here, so tokens pass [2-9]XX-[2-9]XX-XXXX validators yet can never be dialled.
 */
export const RESERVED_AREA_CODES: readonly string[] = [
  ...['2', '3', '4', '5', '6', '7', '8', '9'].flatMap((first) => [...DIGITS].map((last) => `${first}9${last}`)),
  ...[...DIGITS].map((last) => `37${last}`),
  ...[...DIGITS].map((last) => `96${last}`),
];

const EXCHANGE_FIRST_DIGITS = '23456789';

/** Values and tokens share the five layouts; digits are not checked against NANP rules. */
function parsePhone(text: string): Parsed<PhoneLayout> | null {
  for (const [layout, shape] of SHAPES) {
    const match = shape.exec(text);
    if (match) return { canonical: match[1] + match[2] + match[3], layout };
  }
  return null;
}

export const phoneFormat: TokenFormat<PhoneLayout> = {
  type: 'phone',

  parseValue(value) {
    return (
      parsePhone(value) ?? {
        invalid: 'phone must be (ddd) ddd-dddd, ddd-ddd-dddd, ddd.ddd.dddd, dddddddddd or +1dddddddddd',
      }
    );
  },

  parseToken(token) {
    return parsePhone(token);
  },

  render(canonical, layout) {
    const area = canonical.slice(0, 3);
    const exchange = canonical.slice(3, 6);
    const line = canonical.slice(6);
    switch (layout) {
      case 'parenthesized':
        return `(${area}) ${exchange}-${line}`;
      case 'dashed':
        return `${area}-${exchange}-${line}`;
      case 'dotted':
        return `${area}.${exchange}.${line}`;
      case 'plain':
        return canonical;
      case 'plus-one':
        return `+1${canonical}`;
    }
  },

  /** Uniform over reserved area code x NXX exchange x any line, other than the value. */
  randomToken(canonicalValue) {
    const draw = (): string =>
      randomElementOf(RESERVED_AREA_CODES) + randomCharOf(EXCHANGE_FIRST_DIGITS) + randomDigits(2) + randomDigits(4);
    return drawWhere(draw, (candidate) => candidate !== canonicalValue);
  },

  tokenSpaceSize() {
    return BigInt(RESERVED_AREA_CODES.length) * BigInt(EXCHANGE_FIRST_DIGITS.length * 100) * 10_000n;
  },
};
