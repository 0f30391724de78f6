import { isInvalid, type TokenFormat } from '../../formats/format.js';
import type { FpeDomain, FpeSpace } from '../fpe-domain.js';
import type { FpeType } from '../fpe-types.js';
import { patternAtRank, patternSize, rankInPattern } from './pattern.js';

/**
 * A domain whose spaces are patterns (see pattern.ts) and whose tokens are values: the token of a value is
 * another string of the value's pattern, so it parses as a value of the type in the value's layout.
 */
export function patternDomain(type: FpeType, format: TokenFormat, patternOf: (canonical: string) => string): FpeDomain {
  const spaceOf = (canonical: string): FpeSpace => {
    const pattern = patternOf(canonical);
    return { shape: pattern, size: patternSize(pattern) };
  };
  const rankOf = (canonical: string): bigint => rankInPattern(patternOf(canonical), canonical);
  const atRank = (space: FpeSpace, rank: bigint): string => patternAtRank(space.shape, rank);
  return {
    type,
    spaceOf,
    rankOfValue: rankOf,
    valueOfRank: atRank,
    rankOfToken: rankOf,
    tokenOfRank: atRank,
    parseToken(presented) {
      const parsed = format.parseValue(presented);
      return isInvalid(parsed) ? null : parsed;
    },
  };
}
