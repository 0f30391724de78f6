import { lengthPrefixed } from '../crypto/length-prefixed.js';
import type { IndexKeys } from '../crypto/envelope.js';
import { FF1_MIN_DOMAIN } from '../crypto/ff1.js';
import type { Parsed } from '../formats/format.js';
import { cycleWalk } from './cycle-walk.js';
import type { FpeSpace } from './fpe-domain.js';
import { fpeDomainOf } from './fpe-domains.js';
import type { FpeType } from './fpe-types.js';

/**
 * Vaultless tokens: FF1 over a value's rank in its space, cycle-walked into [0, M).
 *
 * - Key: the index root's subkey `ff1/<type>` (IndexKeys), never a data key, so data-key rotation never
 *   changes an FPE token. Whoever holds that key can reverse every FPE token of the type, offline.
 * - Tweak: length-prefixed ("phi-vault/fpe/v1", type, namespace, shape): different namespaces and different
 *   shapes (lengths, kept PAN digits, MRN patterns) use unrelated permutations.
 * - A space smaller than FF1_MIN_DOMAIN is refused, as NIST SP 800-38G Rev. 1 requires.
 * - The vault never hands out a token equal to its value (a fixed point of the permutation, probability 1/M).
 */
const TWEAK_LABEL = 'phi-vault/fpe/v1';
const DECIMAL = 10;

/** The FF1 half of IndexKeys: FF1 under the subkey `ff1/<keyNamespace>`, the key never leaving it. */
export type Ff1Keys = Pick<IndexKeys, 'ff1Encrypt' | 'ff1Decrypt'>;

/** Whether a canonical value of the type lies in a space FF1 may permute (at least 1,000,000 members). */
export function fpeAccepts(type: FpeType, canonical: string): boolean {
  return fpeDomainOf(type).spaceOf(canonical).size >= FF1_MIN_DOMAIN;
}

/** The canonical FPE token of a canonical value; null when the permutation fixes the value (token = value). */
export function fpeTokenOf(keys: Ff1Keys, type: FpeType, namespace: string, canonicalValue: string): string | null {
  const domain = fpeDomainOf(type);
  const space = permittedSpace(domain.spaceOf(canonicalValue));
  const tweak = tweakOf(type, namespace, space);
  const rank = cycleWalk((numerals) => keys.ff1Encrypt(type, DECIMAL, tweak, numerals), space.size, domain.rankOfValue(canonicalValue));
  const token = domain.tokenOfRank(space, rank);
  return token === canonicalValue ? null : token;
}

/**
 * A presented string read as an FPE token of the type: its canonical form and layout, or null when it is no
 * token of the type (no layout fits, its space is too small for FF1, a PAN check position is not valid+1).
 * Needs no key and decrypts nothing, so detokenize can decide and audit before any value is recovered.
 */
export function readFpeToken(type: FpeType, presented: string): Parsed | null {
  const domain = fpeDomainOf(type);
  const parsed = domain.parseToken(presented);
  if (parsed === null || domain.spaceOf(parsed.canonical).size < FF1_MIN_DOMAIN) return null;
  return domain.rankOfToken(parsed.canonical) === null ? null : parsed;
}

/** The canonical value of a canonical token that readFpeToken accepted. */
export function fpeValueOf(keys: Ff1Keys, type: FpeType, namespace: string, canonicalToken: string): string {
  const domain = fpeDomainOf(type);
  const space = permittedSpace(domain.spaceOf(canonicalToken));
  const rank = domain.rankOfToken(canonicalToken);
  if (rank === null) throw new RangeError('not an FPE token of this type');
  const tweak = tweakOf(type, namespace, space);
  return domain.valueOfRank(space, cycleWalk((numerals) => keys.ff1Decrypt(type, DECIMAL, tweak, numerals), space.size, rank));
}

function permittedSpace(space: FpeSpace): FpeSpace {
  if (space.size < FF1_MIN_DOMAIN) throw new RangeError('the FPE space is below the SP 800-38G Rev. 1 minimum of 1,000,000');
  return space;
}

function tweakOf(type: FpeType, namespace: string, space: FpeSpace): Buffer {
  return lengthPrefixed(TWEAK_LABEL, type, namespace, space.shape);
}
