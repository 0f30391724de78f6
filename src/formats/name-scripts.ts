import { randomElementOf } from './draw.js';

/**
 * Letters a name token draws for an uncased letter of the value (CJK, kana, Hangul, Hebrew, ...): a letter of
 * the same script when the script is listed here, a CJK ideograph otherwise. Every candidate is an uncased
 * letter (so it renders the same at every position and keeps the case pattern) and NFC-stable on its own
 * (so a token survives the NFC normalisation parseToken applies).
 */
interface ScriptLetters {
  readonly script: string;
  readonly ranges: ReadonlyArray<readonly [number, number]>;
}

const SCRIPT_TABLE: readonly ScriptLetters[] = [
  { script: 'Han', ranges: [[0x4e00, 0x9fff]] },
  { script: 'Hiragana', ranges: [[0x3041, 0x3096]] },
  { script: 'Katakana', ranges: [[0x30a1, 0x30fa]] },
  { script: 'Hangul', ranges: [[0xac00, 0xd7a3]] },
  { script: 'Hebrew', ranges: [[0x05d0, 0x05ea]] },
  { script: 'Arabic', ranges: [[0x0621, 0x063a], [0x0641, 0x064a]] },
  { script: 'Thai', ranges: [[0x0e01, 0x0e2e]] },
  { script: 'Devanagari', ranges: [[0x0904, 0x0939]] },
];

const LETTER = /^\p{L}$/u;
const CASED = /\p{Cased}/u;

interface ScriptCandidates {
  readonly member: RegExp;
  readonly letters: readonly string[];
}

function candidatesOf({ script, ranges }: ScriptLetters): ScriptCandidates {
  const member = new RegExp(`^\\p{Script=${script}}$`, 'u');
  const letters: string[] = [];
  for (const [first, last] of ranges) {
    for (let codePoint = first; codePoint <= last; codePoint++) {
      const letter = String.fromCodePoint(codePoint);
      const isUncasedLetter = LETTER.test(letter) && !CASED.test(letter);
      if (member.test(letter) && isUncasedLetter && letter.normalize('NFC') === letter) letters.push(letter);
    }
  }
  return { member, letters };
}

const SCRIPTS: readonly ScriptCandidates[] = SCRIPT_TABLE.map(candidatesOf);
const FALLBACK: ScriptCandidates = SCRIPTS[0];

function candidatesFor(letter: string): ScriptCandidates {
  return SCRIPTS.find((script) => script.member.test(letter)) ?? FALLBACK;
}

/** A uniform uncased letter from `letter`'s script (CJK when the script is not in the table). */
export function randomUncasedLetterLike(letter: string): string {
  return randomElementOf(candidatesFor(letter).letters);
}

/** How many letters randomUncasedLetterLike can return for `letter`. */
export function uncasedLetterCountLike(letter: string): number {
  return candidatesFor(letter).letters.length;
}
