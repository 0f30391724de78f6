import { DIGITS, UPPER_LATIN, drawWhere, randomCharOf } from './draw.js';
import type { Parsed, TokenFormat } from './format.js';

/**
 * Which positions hold a lower-case letter: `l` there, `.` elsewhere. The canonical form is the value
 * upper-cased; separators stay in it because they are significant in an MRN (`12-34` is not `1234`).
 */
export type MrnLayout = string;

const MRN = /^[A-Za-z0-9\-_./]{4,64}$/;
const LETTER_OR_DIGIT = /[A-Za-z0-9]/;
/** Text tokens start with `tok_`; an MRN token never does, so a presented token has one reading. */
const TEXT_TOKEN_PREFIX = 'TOK_';
const SHAPE_RULE = 'mrn must be 4 to 64 letters, digits and separators - _ . / with at least one letter or digit';

function parseMrn(text: string): Parsed<MrnLayout> | null {
  if (!MRN.test(text) || !LETTER_OR_DIGIT.test(text)) return null;
  return { canonical: text.toUpperCase(), layout: text.replace(/[a-z]/g, 'l').replace(/[^l]/g, '.') };
}

function countOf(pattern: RegExp, text: string): bigint {
  return BigInt(text.match(pattern)?.length ?? 0);
}

export const mrnFormat: TokenFormat<MrnLayout> = {
  type: 'mrn',

  parseValue(value) {
    return parseMrn(value) ?? { invalid: SHAPE_RULE };
  },

  parseToken(token) {
    const parsed = parseMrn(token);
    return parsed && !parsed.canonical.startsWith(TEXT_TOKEN_PREFIX) ? parsed : null;
  },

  render(canonical, layout) {
    if (canonical.length !== layout.length) throw new Error('mrn layout does not fit the value length');
    let rendered = '';
    for (let i = 0; i < canonical.length; i++) {
      rendered += layout[i] === 'l' ? canonical.charAt(i).toLowerCase() : canonical.charAt(i);
    }
    return rendered;
  },

  /** Uniform over same-shape strings (letters A-Z, digits 0-9, separators in place) not starting TOK_. */
  randomToken(canonicalValue) {
    const draw = (): string =>
      canonicalValue.replace(/[A-Z0-9]/g, (char) => randomCharOf(/\d/.test(char) ? DIGITS : UPPER_LATIN));
    return drawWhere(
      draw,
      (candidate) => candidate !== canonicalValue && !candidate.startsWith(TEXT_TOKEN_PREFIX),
    );
  },

  tokenSpaceSize(canonicalValue) {
    const letters = countOf(/[A-Z]/g, canonicalValue);
    const digits = countOf(/\d/g, canonicalValue);
    const all = 26n ** letters * 10n ** digits;
    // Shapes opening letter, letter, letter, `_` lose the 26^(letters-3) x 10^digits tokens spelling TOK_.
    const opensLikeTextToken = /^[A-Z]{3}_/.test(canonicalValue);
    return opensLikeTextToken ? all - 26n ** (letters - 3n) * 10n ** digits : all;
  },
};
