import { drawWhere, randomDigits } from './draw.js';
import type { Parsed, TokenFormat } from './format.js';

/** `dashed` is ddd-dd-dddd, `plain` is ddddddddd; the canonical form is the nine digits. */
export type SsnLayout = 'dashed' | 'plain';

const DASHED = /^(\d{3})-(\d{2})-(\d{4})$/;
const PLAIN = /^\d{9}$/;

/**
 * SSNs the SSA can never issue: area 000, 666 or 900-999, or group 00, or serial 0000.
 * 10^9 minus the issuable ones (898 areas x 99 groups x 9999 serials).
 */
export const NEVER_ISSUED_SSN_COUNT = 10n ** 9n - 898n * 99n * 9999n;

export function isIssuableSsn(canonical: string): boolean {
  const area = canonical.slice(0, 3);
  const group = canonical.slice(3, 5);
  const serial = canonical.slice(5);
  return area !== '000' && area !== '666' && area < '900' && group !== '00' && serial !== '0000';
}

/** Values and tokens share the two layouts; area ranges are not checked, so test data such as 999-... fits. */
function parseSsn(text: string): Parsed<SsnLayout> | null {
  const dashed = DASHED.exec(text);
  if (dashed) return { canonical: dashed[1] + dashed[2] + dashed[3], layout: 'dashed' };
  if (PLAIN.test(text)) return { canonical: text, layout: 'plain' };
  return null;
}

export const ssnFormat: TokenFormat<SsnLayout> = {
  type: 'ssn',

  parseValue(value) {
    return parseSsn(value) ?? { invalid: 'ssn must be ddd-dd-dddd or ddddddddd' };
  },

  parseToken(token) {
    return parseSsn(token);
  },

  render(canonical, layout) {
    return layout === 'dashed' ? `${canonical.slice(0, 3)}-${canonical.slice(3, 5)}-${canonical.slice(5)}` : canonical;
  },

  /** Uniform over the never-issued SSNs other than the value (rejection from the 10^9 nine-digit strings). */
  randomToken(canonicalValue) {
    return drawWhere(
      () => randomDigits(9),
      (candidate) => !isIssuableSsn(candidate) && candidate !== canonicalValue,
    );
  },

  tokenSpaceSize() {
    return NEVER_ISSUED_SSN_COUNT;
  },
};
