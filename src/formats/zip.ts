import { drawWhere, randomDigits } from './draw.js';
import type { Parsed, TokenFormat } from './format.js';

/** ZIP (ddddd) or ZIP+4 (ddddd-dddd). The written form is canonical: the two shapes are different values. */
export type ZipLayout = null;

const ZIP = /^\d{5}(?:-\d{4})?$/;

function parseZip(text: string): Parsed<ZipLayout> | null {
  return ZIP.test(text) ? { canonical: text, layout: null } : null;
}

function digitCount(canonical: string): number {
  return canonical.replace(/-/g, '').length;
}

export const zipFormat: TokenFormat<ZipLayout> = {
  type: 'zip',

  parseValue(value) {
    return parseZip(value) ?? { invalid: 'zip must be ddddd or ddddd-dddd' };
  },

  parseToken(token) {
    return parseZip(token);
  },

  render(canonical) {
    return canonical;
  },

  /** Uniform over the digit strings of the value's shape, other than the value. */
  randomToken(canonicalValue) {
    const draw = (): string => {
      const digits = randomDigits(digitCount(canonicalValue));
      return canonicalValue.length === 5 ? digits : `${digits.slice(0, 5)}-${digits.slice(5)}`;
    };
    return drawWhere(draw, (candidate) => candidate !== canonicalValue);
  },

  tokenSpaceSize(canonicalValue) {
    return 10n ** BigInt(digitCount(canonicalValue));
  },
};
