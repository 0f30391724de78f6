import { FF1 } from '@noble/ciphers/ff1.js';

/**
 * FF1 format-preserving encryption (NIST SP 800-38G), a thin wrapper over @noble/ciphers.
 *
 * Invariants the wrapper adds:
 * - The domain radix^length must be at least FF1_MIN_DOMAIN = 1,000,000, the minimum of SP 800-38G Rev. 1
 *   (the library enforces only the original 100). Smaller domains are open to known attacks on
 *   small-domain FPE and are refused rather than silently weak.
 * - The key is copied before use, so a caller zeroing or reusing its buffer cannot change a result.
 * - Errors name the rule that failed, never a numeral, a character or the key.
 */
export const FF1_MIN_DOMAIN = 1_000_000n;
export const DECIMAL_ALPHABET = '0123456789';
export const BASE36_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

const AES_KEY_LENGTHS = new Set([16, 24, 32]);
const MAX_RADIX = 65_535;

/** The number of numeral strings of `length` digits in base `radix`: the FF1 domain size. */
export function ff1DomainSize(radix: number, length: number): bigint {
  return BigInt(radix) ** BigInt(length);
}

export function ff1Encrypt(key: Uint8Array, radix: number, tweak: Uint8Array, numerals: number[]): number[] {
  return withFf1(key, radix, tweak, numerals, (ff1) => ff1.encrypt(numerals));
}

export function ff1Decrypt(key: Uint8Array, radix: number, tweak: Uint8Array, numerals: number[]): number[] {
  return withFf1(key, radix, tweak, numerals, (ff1) => ff1.decrypt(numerals));
}

/** FF1 over a string whose characters all belong to `alphabet` (radix = alphabet length). */
export function ff1EncryptString(key: Uint8Array, alphabet: string, tweak: Uint8Array, text: string): string {
  const symbols = alphabetSymbols(alphabet);
  return fromNumerals(ff1Encrypt(key, symbols.length, tweak, toNumerals(symbols, text)), symbols);
}

export function ff1DecryptString(key: Uint8Array, alphabet: string, tweak: Uint8Array, text: string): string {
  const symbols = alphabetSymbols(alphabet);
  return fromNumerals(ff1Decrypt(key, symbols.length, tweak, toNumerals(symbols, text)), symbols);
}

type Ff1 = ReturnType<typeof FF1>;

function withFf1(
  key: Uint8Array,
  radix: number,
  tweak: Uint8Array,
  numerals: number[],
  run: (ff1: Ff1) => number[],
): number[] {
  if (!AES_KEY_LENGTHS.has(key.length)) throw new RangeError('an FF1 key must be 16, 24 or 32 bytes');
  if (!Number.isInteger(radix) || radix < 2 || radix > MAX_RADIX) {
    throw new RangeError(`an FF1 radix must be an integer from 2 to ${MAX_RADIX}`);
  }
  if (ff1DomainSize(radix, numerals.length) < FF1_MIN_DOMAIN) {
    throw new RangeError('the FF1 domain radix^length is below the SP 800-38G Rev. 1 minimum of 1,000,000');
  }
  if (!numerals.every((n) => Number.isInteger(n) && n >= 0 && n < radix)) {
    throw new RangeError('an FF1 numeral is outside the radix');
  }
  const ownKey = Uint8Array.from(key);
  try {
    return run(FF1(radix, ownKey, Uint8Array.from(tweak)));
  } finally {
    ownKey.fill(0);
  }
}

const symbolCache = new Map<string, Alphabet>();

interface Alphabet {
  readonly length: number;
  readonly symbols: readonly string[];
  readonly index: ReadonlyMap<string, number>;
}

function alphabetSymbols(alphabet: string): Alphabet {
  const cached = symbolCache.get(alphabet);
  if (cached) return cached;
  const symbols = [...alphabet];
  const index = new Map(symbols.map((symbol, i) => [symbol, i] as const));
  if (index.size !== symbols.length) throw new RangeError('an FF1 alphabet must not repeat a character');
  const built: Alphabet = { length: symbols.length, symbols, index };
  // Alphabets are a handful of constants; the cap only guards against a caller building them dynamically.
  if (symbolCache.size < 64) symbolCache.set(alphabet, built);
  return built;
}

function toNumerals(alphabet: Alphabet, text: string): number[] {
  return [...text].map((symbol) => {
    const numeral = alphabet.index.get(symbol);
    if (numeral === undefined) throw new RangeError('a character is outside the FF1 alphabet');
    return numeral;
  });
}

function fromNumerals(numerals: number[], alphabet: Alphabet): string {
  return numerals.map((n) => alphabet.symbols[n]).join('');
}
