import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isInvalid } from '../../../src/formats/format.js';
import { nameFormat } from '../../../src/formats/name.js';
import { tokenKey } from '../../../src/formats/token-key.js';

const SEPARATORS = [' ', '-', "'", '.'];
/** Letters of many kinds: cased and uncased, astral, decomposed (NFC composes them), and awkward casings. */
const LETTERS = [
  ...'ABCXYZabcxyz',
  ...'ÉéñØøÅ',
  'e\u0301', // é once NFC-composed
  'A\u030A', // Å once NFC-composed
  ...'ΣσςЖж',
  'ß', // Ll whose upper-casing is two code points
  'ẞ', // Lu whose lowering (ß) cannot be undone
  'İ', // Lu whose lowering is two code points
  'ı', // Ll whose upper-casing (I) lowers to another letter
  'ǅ', // Lt
  'ª', // Lo yet Cased
  'ʰ', // Lm
  'ー', // Lm, Common script
  '\u212A', // Kelvin sign, NFC makes it K
  ...'王李さカ김שمกकአ',
  '𠀋', // astral Han
];

const letter = fc.constantFrom(...LETTERS);
const nameValue = fc
  .tuple(fc.array(fc.oneof(letter, fc.constantFrom(...SEPARATORS)), { maxLength: 30 }), letter, fc.nat())
  .map(([units, anchor, at]) => {
    const all = [...units];
    all.splice(at % (units.length + 1), 0, anchor);
    return all.join('');
  });

/** Separators as themselves, letters by category: U (Lu), l (Ll), o (any other letter). */
function casePatternOf(text: string): string {
  const classOf = (char: string) => {
    if (/\p{Lu}/u.test(char)) return 'U';
    if (/\p{Ll}/u.test(char)) return 'l';
    return /\p{L}/u.test(char) ? 'o' : char;
  };
  return Array.from(text, classOf).join('');
}

function parsedValue(value: string) {
  const parsed = nameFormat.parseValue(value);
  if (isInvalid(parsed)) throw new Error(parsed.invalid);
  return parsed;
}

describe('name format', () => {
  it('folds case and drops separators in the canonical form, and renders the NFC value back', () => {
    expect(nameFormat.parseValue("Anne-Marie O'Neil")).toEqual({
      canonical: 'annemarieoneil',
      layout: "Ulll-Ullll U'Ulll",
    });
    expect(nameFormat.parseValue('ANNE MARIE ONEIL')).toMatchObject({ canonical: 'annemarieoneil' });
    expect(nameFormat.parseValue('İpek')).toEqual({ canonical: 'İpek', layout: 'Ulll' });
    fc.assert(
      fc.property(nameValue, (value) => {
        const parsed = parsedValue(value);
        expect(nameFormat.render(parsed.canonical, parsed.layout)).toBe(value.normalize('NFC'));
      }),
      { numRuns: 300 },
    );
  });

  it('draws tokens with the same length, case pattern and separators, never the value', () => {
    fc.assert(
      fc.property(nameValue, (value) => {
        const parsed = parsedValue(value);
        const token = nameFormat.randomToken(parsed.canonical);
        expect(token).not.toBe(parsed.canonical);
        expect(Array.from(token).length).toBe(Array.from(parsed.canonical).length);
        const rendered = nameFormat.render(token, parsed.layout);
        expect(rendered.normalize('NFC')).toBe(rendered);
        expect(casePatternOf(rendered)).toBe(casePatternOf(value.normalize('NFC')));
        expect(nameFormat.parseToken(rendered)).toEqual({ canonical: token, layout: parsed.layout });
      }),
      { numRuns: 300 },
    );
  });

  it('gives one key to every layout of a token (case and separators)', () => {
    fc.assert(
      fc.property(nameValue, fc.infiniteStream(fc.nat()), (value, choices) => {
        const parsed = parsedValue(value);
        const token = nameFormat.randomToken(parsed.canonical);
        const otherLayout = Array.from(token, (char) => {
          const pick = () => SEPARATORS[choices.next().value % SEPARATORS.length];
          const separators = Array.from({ length: choices.next().value % 3 }, pick);
          const slot = /[a-z]/.test(char) ? (choices.next().value % 2 === 0 ? 'U' : 'l') : 'o';
          return separators.join('') + slot;
        }).join('');
        const rendered = nameFormat.render(token, otherLayout);
        expect(nameFormat.parseToken(rendered)).toEqual({ canonical: token, layout: otherLayout });
        expect(tokenKey(rendered)).toBe(tokenKey(nameFormat.render(token, parsed.layout)));
      }),
      { numRuns: 300 },
    );
  });

  it('replaces uncased letters by letters of the same script, CJK for scripts it does not list', () => {
    const cases: Array<[string, RegExp]> = [
      ['王小明', /^\p{Script=Han}{3}$/u],
      ['김민준', /^\p{Script=Hangul}{3}$/u],
      ['さくら', /^\p{Script=Hiragana}{3}$/u],
      ['カタカナ', /^\p{Script=Katakana}{4}$/u],
      ['שרה', /^\p{Script=Hebrew}{3}$/u],
      ['محمد', /^\p{Script=Arabic}{4}$/u],
      ['สมชาย', /^\p{Script=Thai}{5}$/u],
      ['कमल', /^\p{Script=Devanagari}{3}$/u],
      ['አበበ', /^\p{Script=Han}{3}$/u],
    ];
    for (const [value, script] of cases) {
      for (let i = 0; i < 20; i++) expect(nameFormat.randomToken(parsedValue(value).canonical)).toMatch(script);
    }
  });

  it('keeps the case pattern and round trip for every letter in Unicode', () => {
    for (let codePoint = 0; codePoint <= 0x10ffff; codePoint++) {
      if (codePoint >= 0xd800 && codePoint <= 0xdfff) continue;
      const char = String.fromCodePoint(codePoint);
      if (!/\p{L}/u.test(char)) continue;
      const value = char.normalize('NFC');
      const parsed = nameFormat.parseValue(value);
      if (isInvalid(parsed)) continue; // NFC may turn one letter into a letter and a mark
      expect(nameFormat.render(parsed.canonical, parsed.layout)).toBe(value);
      if (codePoint % 16 === 0) {
        const rendered = nameFormat.render(nameFormat.randomToken(parsed.canonical), parsed.layout);
        expect(casePatternOf(rendered)).toBe(casePatternOf(value));
      }
    }
  });

  it('sizes the token space per letter', () => {
    expect(nameFormat.tokenSpaceSize('ann')).toBe(26n ** 3n);
    const han = nameFormat.tokenSpaceSize('王');
    expect(han > 20_900n && han <= 20_992n).toBe(true);
    expect(nameFormat.tokenSpaceSize('anne王')).toBe(26n ** 4n * han);
    expect(nameFormat.tokenSpaceSize('שרה')).toBe(27n ** 3n);
  });

  it.each([
    ['', /1 to 256/],
    ['a'.repeat(257), /1 to 256/],
    ['   ', /at least one letter/],
    [" -'.", /at least one letter/],
    ['John3', /only letters/],
    ['John_Doe', /only letters/],
    ['John\tDoe', /only letters/],
    ['John😀', /only letters/],
    ['Jo\uD800hn', /only letters/],
    ['Jox\u0301', /only letters/],
    ['राम', /only letters/],
  ])('rejects %j without echoing it', (value, rule) => {
    const parsed = nameFormat.parseValue(value);
    if (!isInvalid(parsed)) throw new Error('accepted');
    expect(parsed.invalid).toMatch(rule);
    if (value !== '') expect(parsed.invalid).not.toContain(value);
    expect(nameFormat.parseToken(value)).toBeNull();
  });
});
