/** A permutation of the decimal strings of one length, as numerals (FF1 encrypt or decrypt under one tweak). */
export type DecimalPermutation = (numerals: number[]) => number[];

/** The smallest L with 10^L >= size: FF1 runs over L decimal digits. */
export function decimalWidth(size: bigint): number {
  if (size < 1n) throw new RangeError('a domain must have at least one member');
  let width = 0;
  for (let capacity = 1n; capacity < size; capacity *= 10n) width += 1;
  return width;
}

/**
 * Cycle-walking (Black and Rogaway): a permutation of [0, 10^L) restricted to [0, size). Applies the
 * permutation until the result falls below `size`. The restriction is itself a permutation of [0, size)
 * (each cycle of the big permutation is walked in order, skipping members >= size), and walking with the
 * inverse permutation undoes it. Every walk ends: the start is below `size` and lies on its own cycle.
 * With L minimal, 10^L < 10 x size, so a walk takes fewer than 10 steps on average.
 */
export function cycleWalk(permute: DecimalPermutation, size: bigint, rank: bigint): bigint {
  if (rank < 0n || rank >= size) throw new RangeError('a rank must lie in [0, size)');
  const width = decimalWidth(size);
  let current = rank;
  do {
    current = fromNumerals(permute(toNumerals(current, width)));
  } while (current >= size);
  return current;
}

function toNumerals(value: bigint, width: number): number[] {
  const numerals = new Array<number>(width);
  let rest = value;
  for (let i = width - 1; i >= 0; i--) {
    numerals[i] = Number(rest % 10n);
    rest /= 10n;
  }
  return numerals;
}

function fromNumerals(numerals: readonly number[]): bigint {
  let value = 0n;
  for (const numeral of numerals) value = value * 10n + BigInt(numeral);
  return value;
}
