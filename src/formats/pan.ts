import { drawWhere, randomDigits } from './draw.js';
import type { Invalid, Parsed, TokenFormat } from './format.js';
import { passesLuhn } from './luhn.js';

/**
 * Where the separators go: the written number with every digit replaced by `#` (`#### #### #### ####`,
 * `####-######-#####`, `################`). The canonical form is the digits.
 */
export type PanLayout = string;

const MIN_DIGITS = 13;
const MAX_DIGITS = 19;
const KEPT_TAIL = 4;
const DIGIT_GROUPS = /^\d+(?:([ -])\d+(?:\1\d+)*)?$/;
const SHAPE_RULE = 'pan must be 13 to 19 digits, optionally grouped by single spaces or single hyphens (one kind)';

/** The shape shared by values and tokens: digit groups with one kind of single separator, 13-19 digits. */
function parseShape(text: string): Parsed<PanLayout> | Invalid {
  if (!DIGIT_GROUPS.test(text)) return { invalid: SHAPE_RULE };
  const canonical = text.replace(/[ -]/g, '');
  if (canonical.length < MIN_DIGITS || canonical.length > MAX_DIGITS) return { invalid: SHAPE_RULE };
  return { canonical, layout: text.replace(/\d/g, '#') };
}

export const panFormat: TokenFormat<PanLayout> = {
  type: 'pan',

  parseValue(value) {
    const parsed = parseShape(value);
    if ('invalid' in parsed) return parsed;
    return passesLuhn(parsed.canonical) ? parsed : { invalid: 'pan must pass the Luhn check' };
  },

  /** Tokens fail Luhn on purpose, so only the shape is checked. */
  parseToken(token) {
    const parsed = parseShape(token);
    return 'invalid' in parsed ? null : parsed;
  },

  render(canonical, layout) {
    let next = 0;
    const rendered = layout.replace(/#/g, () => canonical.charAt(next++));
    if (next !== canonical.length) throw new Error('pan layout does not fit the number of digits');
    return rendered;
  },

  /**
   * Keeps the last four digits; the others are uniform over the strings that make the whole number FAIL
   * Luhn, so a token is never a card number (and never the value, which passes).
   */
  randomToken(canonicalValue) {
    const tail = canonicalValue.slice(-KEPT_TAIL);
    return drawWhere(
      () => randomDigits(canonicalValue.length - KEPT_TAIL) + tail,
      (candidate) => !passesLuhn(candidate),
    );
  },

  /**
   * With the tail fixed, each free position permutes the Luhn sum mod 10, so exactly one string in ten of the
   * 10^free passes: 9 x 10^(free - 1) fail.
   */
  tokenSpaceSize(canonicalValue) {
    const free = BigInt(canonicalValue.length - KEPT_TAIL);
    return 9n * 10n ** (free - 1n);
  },
};
