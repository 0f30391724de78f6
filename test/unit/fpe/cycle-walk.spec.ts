import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cycleWalk, decimalWidth, type DecimalPermutation } from '../../../src/fpe/cycle-walk.js';

/** An affine permutation of the 10^width decimal strings (multiplier coprime to 10), and its inverse. */
function affine(width: number, multiplier: bigint, offset: bigint): { forward: DecimalPermutation; backward: DecimalPermutation } {
  const modulus = 10n ** BigInt(width);
  const inverse = modularInverse(multiplier, modulus);
  const asNumber = (numerals: number[]) => BigInt(numerals.join(''));
  const asNumerals = (value: bigint) => [...value.toString().padStart(width, '0')].map(Number);
  return {
    forward: (numerals) => asNumerals((asNumber(numerals) * multiplier + offset) % modulus),
    backward: (numerals) => asNumerals((((asNumber(numerals) - offset) % modulus + modulus) * inverse) % modulus),
  };
}

/** Extended Euclid: x with a * x = 1 mod modulus. */
function modularInverse(a: bigint, modulus: bigint): bigint {
  let [oldR, r] = [a, modulus];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const quotient = oldR / r;
    [oldR, r] = [r, oldR - quotient * r];
    [oldS, s] = [s, oldS - quotient * s];
  }
  if (oldR !== 1n) throw new Error('not invertible');
  return ((oldS % modulus) + modulus) % modulus;
}

describe('decimalWidth', () => {
  it('is the smallest L with 10^L >= size', () => {
    expect(decimalWidth(1_000_000n)).toBe(6);
    expect(decimalWidth(1_000_001n)).toBe(7);
    expect(decimalWidth(3_652_059n)).toBe(7);
    expect(decimalWidth(10n ** 9n)).toBe(9);
    expect(decimalWidth(26n ** 3n * 10n ** 6n)).toBe(11);
    fc.assert(
      fc.property(fc.bigInt({ min: 2n, max: 10n ** 40n }), (size) => {
        const width = decimalWidth(size);
        expect(10n ** BigInt(width)).toBeGreaterThanOrEqual(size);
        expect(10n ** BigInt(width - 1)).toBeLessThan(size);
      }),
    );
  });
});

describe('cycleWalk', () => {
  it('restricts a permutation of [0, 10^L) to a permutation of [0, size) that the inverse walk undoes', () => {
    const sizes = [11n, 37n, 50n, 99n, 100n];
    for (const size of sizes) {
      const { forward, backward } = affine(decimalWidth(size), 37n, 11n);
      const images = new Set<bigint>();
      for (let rank = 0n; rank < size; rank++) {
        const image = cycleWalk(forward, size, rank);
        expect(image).toBeLessThan(size);
        expect(cycleWalk(backward, size, image)).toBe(rank);
        images.add(image);
      }
      expect(images.size).toBe(Number(size)); // a bijection onto [0, size)
    }
  });

  it('stays in range and round-trips for large sizes', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1000n, max: 10n ** 12n }), fc.bigInt({ min: 0n, max: 10n ** 12n }), (size, seed) => {
        const rank = seed % size;
        const { forward, backward } = affine(decimalWidth(size), 7n, 123n);
        const image = cycleWalk(forward, size, rank);
        expect(image >= 0n && image < size).toBe(true);
        expect(cycleWalk(backward, size, image)).toBe(rank);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a rank outside [0, size)', () => {
    const { forward } = affine(2, 3n, 0n);
    expect(() => cycleWalk(forward, 50n, 50n)).toThrow(RangeError);
    expect(() => cycleWalk(forward, 50n, -1n)).toThrow(RangeError);
  });
});
