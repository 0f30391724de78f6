import type { Parsed } from '../formats/format.js';
import type { FpeType } from './fpe-types.js';

/**
 * The values of one shape of a type (nine-digit SSNs, 16-digit PANs ending 1111, MRNs shaped AAA-999999):
 * FF1 permutes this set, so every token is itself a value of the same shape, and validators keep working.
 */
export interface FpeSpace {
  /**
   * What a value and its token share, written so it describes the space completely (a pattern, a length and
   * kept digits). Bound into the FF1 tweak: two shapes never share a permutation.
   */
  readonly shape: string;
  /** M, the number of members. FF1 needs at least FF1_MIN_DOMAIN = 1,000,000 (NIST SP 800-38G Rev. 1). */
  readonly size: bigint;
}

/**
 * One type's FF1 domain: a bijection between the canonical values of a space and the integers [0, M), and
 * one between the canonical tokens of that space and [0, M). For every type but PAN, tokens and values are
 * the same set and both bijections are one; PAN tokens are the same digits with the check position moved
 * off Luhn (see domains/pan.ts).
 *
 * Invariants (property-tested in test/unit/fpe): valueOfRank(space, rankOfValue(v)) === v;
 * tokenOfRank(space, r) has the space `space` and rankOfToken gives back r; parseToken accepts every
 * rendering of a token in each of the type's layouts.
 */
export interface FpeDomain {
  readonly type: FpeType;
  /** The space of a canonical value or canonical token (a token has its value's shape). */
  spaceOf(canonical: string): FpeSpace;
  rankOfValue(canonical: string): bigint;
  valueOfRank(space: FpeSpace, rank: bigint): string;
  /** null when the string has a space's shape but is no token of it (a PAN whose check digit is not valid+1). */
  rankOfToken(canonicalToken: string): bigint | null;
  tokenOfRank(space: FpeSpace, rank: bigint): string;
  /** A presented token in one of the type's layouts, as canonical token and layout; null otherwise. */
  parseToken(presented: string): Parsed | null;
}
