import { describe, expect, it } from 'vitest';
import { DIGITS, randomDigits, randomString } from '../../../src/formats/draw.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Counts of each character at each position over `draws` strings; every count should be near draws/|alphabet|. */
function positionCounts(alphabet: string, length: number, draws: number, draw: () => string): number[][] {
  const counts = Array.from({ length }, () => new Array<number>(alphabet.length).fill(0));
  for (let i = 0; i < draws; i++) {
    const text = draw();
    expect(text.length).toBe(length);
    for (let position = 0; position < length; position++) counts[position][alphabet.indexOf(text[position])]++;
  }
  return counts;
}

describe('randomString', () => {
  it('spreads every character over every position, across draw chunk boundaries', () => {
    // 22 base-62 characters come from chunks of 8, 8 and 6; 20 digits from chunks of 14 and 6.
    for (const [alphabet, length, draw] of [
      [BASE62, 22, () => randomString(BASE62, 22)],
      [DIGITS, 20, () => randomDigits(20)],
    ] as const) {
      const draws = alphabet.length * 100;
      for (const counts of positionCounts(alphabet, length, draws, draw)) {
        // Expected 100 per cell, standard deviation about 10: 40..170 is six or more either way.
        expect(Math.min(...counts)).toBeGreaterThan(40);
        expect(Math.max(...counts)).toBeLessThan(170);
      }
    }
  });

  it('draws only from the alphabet, at any length', () => {
    expect(randomString('ab', 0)).toBe('');
    expect(randomString('ab', 100)).toMatch(/^[ab]{100}$/);
    expect(randomDigits(1)).toMatch(/^\d$/);
  });
});
