import { passesLuhn } from '../../formats/luhn.js';
import { panFormat } from '../../formats/pan.js';
import type { FpeDomain, FpeSpace } from '../fpe-domain.js';

const KEPT_TAIL = 4;
/** The free digits, then the check position, then the kept tail. */
const CHECK_AND_TAIL = 1 + KEPT_TAIL;

/**
 * PAN (n = 13..19 digits): the last four are kept and the token must fail Luhn (CONTRACT section 4).
 *
 * A value is fixed by its n-5 leading digits q and its last four (the digit between them is the one that makes
 * it pass Luhn), so its space is the 10^(n-5) >= 10^8 strings q for that length and tail, and FF1 permutes q.
 * The token is q' || (valid digit for q' and the tail, plus 1 mod 10) || tail. Changing one digit always changes
 * the Luhn sum mod 10, so every token fails Luhn and is never its value (no fixed points), and a presented
 * string whose check position is not valid+1 is no FPE token. Grouping is layout and is kept.
 *
 * The shape is written like a pattern: `9` per free digit, `C` for the check position, the tail in clear.
 */
export const panFpeDomain: FpeDomain = {
  type: 'pan',

  spaceOf(canonical) {
    const free = canonical.length - CHECK_AND_TAIL;
    return { shape: `${'9'.repeat(free)}C${canonical.slice(-KEPT_TAIL)}`, size: 10n ** BigInt(free) };
  },

  rankOfValue: (canonical) => BigInt(canonical.slice(0, -CHECK_AND_TAIL)),

  valueOfRank(space, rank) {
    const { free, tail } = partsOf(space, rank);
    return free + luhnDigit(free, tail) + tail;
  },

  rankOfToken(canonical) {
    const free = canonical.slice(0, -CHECK_AND_TAIL);
    const tail = canonical.slice(-KEPT_TAIL);
    const check = canonical.charAt(canonical.length - CHECK_AND_TAIL);
    return check === offLuhnDigit(free, tail) ? BigInt(free) : null;
  },

  tokenOfRank(space, rank) {
    const { free, tail } = partsOf(space, rank);
    return free + offLuhnDigit(free, tail) + tail;
  },

  parseToken: (presented) => panFormat.parseToken(presented),
};

function partsOf(space: FpeSpace, rank: bigint): { free: string; tail: string } {
  const width = space.shape.length - CHECK_AND_TAIL;
  if (rank < 0n || rank >= space.size) throw new RangeError('the rank is outside the PAN space');
  return { free: rank.toString().padStart(width, '0'), tail: space.shape.slice(-KEPT_TAIL) };
}

/** The digit d for which free || d || tail passes Luhn; exactly one of the ten does. */
function luhnDigit(free: string, tail: string): string {
  for (let digit = 0; digit <= 9; digit++) {
    if (passesLuhn(`${free}${digit}${tail}`)) return String(digit);
  }
  throw new Error('unreachable: one digit in ten completes a Luhn-valid number');
}

/** The token's check-position digit: the valid one plus 1 mod 10, so the token fails Luhn. */
function offLuhnDigit(free: string, tail: string): string {
  return String((Number(luhnDigit(free, tail)) + 1) % 10);
}
