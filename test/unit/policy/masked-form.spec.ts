import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskedForm } from '../../../src/policy/masked-form.js';

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const clusters = (text: string) => Array.from(new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text.normalize('NFC')), (s) => s.segment);
const letterCount = (text: string) => clusters(text).filter((c) => LETTER_OR_DIGIT.test(c)).length;

/** Values with letters, digits, separators, accents (composed and not), marks without a composed form, emoji. */
const piece = fc.constantFrom('a', 'Z', '7', '-', ' ', '.', "'", '@', 'é', 'e\u0301', 'q\u0301', 'n\u0303', 'Å', 'A\u030A', 'ß', '王', '٣', '😀', '👩‍⚕️', 'ह', 'ि', '\u0301');
const value = fc.array(piece, { maxLength: 24 }).map((parts) => parts.join(''));

describe('maskedForm (CONTRACT section 5)', () => {
  it.each([
    ['123-45-6789', '***-**-6789'],
    ['987654321', '*****4321'],
    ['4111 1111 1111 1111', '**** **** **** 1111'],
    ['(617) 555-0142', '(***) ***-0142'],
    ['+16175550142', '+*******0142'],
    ['Carolee.Wisoky@example.com', '*******.******@******e.com'],
    ['1987-06-05', '****-06-05'],
    ["Mary-Ann O'Neil", "****-*** *'Neil"],
    ['José Martínez', '**** ****ínez'],
    ['MRN-000123', '***-**0123'],
    ['Chest pain since Tuesday.', '***** **** ***** ***sday.'],
    ['😀ab12cd', '😀**12cd'],
    ['𠀋𠀋𠀋𠀋𠀋𠀋', '**𠀋𠀋𠀋𠀋'],
    ['Zoë Łukasz', '*** **kasz'],
    ['٠١٢٣٤٥', '**٢٣٤٥'],
    ['王小明大', '王小明大'],
    ['ab', 'ab'],
    ['', ''],
    ['---', '---'],
  ])('masks %j as %j', (rendered, masked) => {
    expect(maskedForm(rendered)).toBe(masked);
  });

  it('masks a decomposed accent with its letter, exactly as the composed one', () => {
    expect(maskedForm('Jose\u0301 Marti\u0301nez')).toBe('**** ****ínez');
    expect(maskedForm('Zoe\u0308 Lukasz')).toBe('*** **kasz');
    expect(maskedForm('Zoe\u0308 Lu')).toBe('*oë Lu');
    // A letter and a mark with no composed form are still one letter, masked whole.
    expect(maskedForm('q\u0301q\u0301abcd')).toBe('**abcd');
  });

  it('leaves values with four or fewer letters and digits whole (a documented decision)', () => {
    expect(maskedForm('Ann')).toBe('Ann');
    expect(maskedForm('A. Lee')).toBe('A. Lee');
    expect(maskedForm('02-13')).toBe('02-13');
    expect(maskedForm('Noe\u0308l')).toBe('Noël');
  });

  it('is the same for every normalization of a value, and never leaves an accent on a *', () => {
    fc.assert(
      fc.property(value, (text) => {
        const masked = maskedForm(text);
        expect(maskedForm(text.normalize('NFD'))).toBe(masked);
        expect(maskedForm(text.normalize('NFC'))).toBe(masked);
        expect(masked).not.toMatch(/\*\p{M}/u);
      }),
    );
  });

  it('masks all but the last four letters, one * each, and keeps everything else in place', () => {
    fc.assert(
      fc.property(value, (text) => {
        const before = clusters(text);
        const after = clusters(maskedForm(text));
        const letters = before.filter((c) => LETTER_OR_DIGIT.test(c)).length;
        expect(after).toHaveLength(before.length);
        let seen = 0;
        before.forEach((cluster, index) => {
          if (!LETTER_OR_DIGIT.test(cluster)) return expect(after[index]).toBe(cluster);
          seen += 1;
          expect(after[index]).toBe(seen <= letters - 4 ? '*' : cluster);
        });
        expect(letterCount(maskedForm(text))).toBe(Math.min(letters, 4));
        if (letters <= 4) expect(maskedForm(text)).toBe(text.normalize('NFC'));
      }),
    );
  });

  it('for ASCII, masks code point by code point', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii' }), (text) => {
        const masked = Array.from(maskedForm(text));
        const letters = Array.from(text).filter((c) => /[A-Za-z0-9]/.test(c)).length;
        expect(masked).toHaveLength(text.length);
        expect(masked.filter((c, i) => c === '*' && text[i] !== '*')).toHaveLength(Math.max(0, letters - 4));
      }),
    );
  });
});
