import { foldLetter, upperOne } from './case.js';
import { LOWER_LATIN, drawWhere, randomCharOf } from './draw.js';
import type { Invalid, Parsed, TokenFormat } from './format.js';
import { randomUncasedLetterLike, uncasedLetterCountLike } from './name-scripts.js';

/**
 * One character per code point of the NFC name: a separator as itself (space, `-`, `'`, `.`), or the case
 * class of a letter by its Unicode category: `U` upper (Lu), `l` lower (Ll), `o` other (Lt, Lm, Lo).
 * The canonical form is the letters alone, each folded by foldLetter, so `Anne-Marie` and `ANNE MARIE` share
 * one canonical name and one token.
 */
export type NameLayout = string;

const MAX_CODE_POINTS = 256;
const LETTER = /^\p{L}$/u;
const UPPER = /^\p{Lu}$/u;
const LOWER = /^\p{Ll}$/u;
const SEPARATOR = /^[ \-'.]$/;
const CHARACTER_RULE = 'name may contain only letters, spaces, hyphens, apostrophes and periods';

function caseClassOf(letter: string): 'U' | 'l' | 'o' {
  if (UPPER.test(letter)) return 'U';
  if (LOWER.test(letter)) return 'l';
  return 'o';
}

/** Values and tokens share the grammar; input is NFC-normalised first. */
function parseName(text: string): Parsed<NameLayout> | Invalid {
  const chars = Array.from(text.normalize('NFC'));
  if (chars.length < 1 || chars.length > MAX_CODE_POINTS) return { invalid: 'name must be 1 to 256 characters' };
  let canonical = '';
  let layout = '';
  for (const char of chars) {
    if (LETTER.test(char)) {
      canonical += foldLetter(char);
      layout += caseClassOf(char);
    } else if (SEPARATOR.test(char)) {
      layout += char;
    } else {
      return { invalid: CHARACTER_RULE };
    }
  }
  if (canonical === '') return { invalid: 'name must contain at least one letter' };
  return { canonical, layout };
}

/**
 * A canonical letter that is Lu or Ll came from a cased letter of the value; it is replaced by a-z, which
 * renders as A-Z at upper positions. Any other letter is replaced by an uncased letter of its script.
 */
function isCased(letter: string): boolean {
  return UPPER.test(letter) || LOWER.test(letter);
}

export const nameFormat: TokenFormat<NameLayout> = {
  type: 'name',

  parseValue(value) {
    return parseName(value);
  },

  parseToken(token) {
    const parsed = parseName(token);
    return 'invalid' in parsed ? null : parsed;
  },

  render(canonical, layout) {
    const letters = Array.from(canonical);
    let next = 0;
    let rendered = '';
    for (const slot of layout) {
      if (slot === 'U' || slot === 'l' || slot === 'o') {
        const letter = letters[next++] ?? '';
        rendered += slot === 'U' ? upperOne(letter) : letter;
      } else {
        rendered += slot;
      }
    }
    if (next !== letters.length) throw new Error('name layout does not fit the number of letters');
    return rendered;
  },

  /** Same number of letters, each drawn uniformly from its class; never the value. */
  randomToken(canonicalValue) {
    const letters = Array.from(canonicalValue);
    const draw = (): string =>
      letters.map((letter) => (isCased(letter) ? randomCharOf(LOWER_LATIN) : randomUncasedLetterLike(letter))).join('');
    return drawWhere(draw, (candidate) => candidate !== canonicalValue);
  },

  tokenSpaceSize(canonicalValue) {
    return Array.from(canonicalValue).reduce(
      (size, letter) => size * BigInt(isCased(letter) ? LOWER_LATIN.length : uncasedLetterCountLike(letter)),
      1n,
    );
  },
};
