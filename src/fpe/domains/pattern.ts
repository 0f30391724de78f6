/**
 * Shapes written as patterns: each character is a class of symbols or stands for itself. A pattern
 * describes its space completely, so it is the space's `shape` in the tweak and all unranking needs.
 *
 *   9  any digit 0-9       N  a digit 2-9 (NANP area code and exchange openers)
 *   A  a letter A-Z        B  a digit 0-1 (the openers a NANP number cannot have)
 *
 * Every other character (the MRN separators - _ . /, the ZIP+4 hyphen) is a literal kept in place.
 */
const CLASSES: Readonly<Record<string, string>> = {
  '9': '0123456789',
  N: '23456789',
  B: '01',
  A: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
};

export function classOf(patternChar: string): string | undefined {
  return CLASSES[patternChar];
}

/** The number of strings that fit the pattern. */
export function patternSize(pattern: string): bigint {
  let size = 1n;
  for (const char of pattern) {
    const symbols = classOf(char);
    if (symbols !== undefined) size *= BigInt(symbols.length);
  }
  return size;
}

/** The position of `text` among the strings of the pattern (mixed radix, first position most significant). */
export function rankInPattern(pattern: string, text: string): bigint {
  if (text.length !== pattern.length) throw new RangeError('the text does not fit the pattern');
  let rank = 0n;
  for (let i = 0; i < pattern.length; i++) {
    const symbols = classOf(pattern[i]);
    if (symbols === undefined) {
      if (text[i] !== pattern[i]) throw new RangeError('the text does not fit the pattern');
      continue;
    }
    const index = symbols.indexOf(text[i]);
    if (index < 0) throw new RangeError('the text does not fit the pattern');
    rank = rank * BigInt(symbols.length) + BigInt(index);
  }
  return rank;
}

/** The string of the pattern at `rank`: the inverse of rankInPattern. */
export function patternAtRank(pattern: string, rank: bigint): string {
  if (rank < 0n || rank >= patternSize(pattern)) throw new RangeError('the rank is outside the pattern');
  const chars = [...pattern];
  let rest = rank;
  for (let i = chars.length - 1; i >= 0; i--) {
    const symbols = classOf(chars[i]);
    if (symbols === undefined) continue;
    const radix = BigInt(symbols.length);
    chars[i] = symbols.charAt(Number(rest % radix));
    rest /= radix;
  }
  return chars.join('');
}
