import { randomInt } from 'node:crypto';
import { drawWhere } from './draw.js';
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

/** Areas the SSA never issues: 000, 666 and 900-999 (102 of them), in order. */
const NEVER_ISSUED_AREAS = ['000', '666', ...Array.from({ length: 100 }, (_, i) => String(900 + i))];
/** The 898 areas it may issue (001-899 without 666), in order. */
const ISSUABLE_AREAS = Array.from({ length: 899 }, (_, i) => String(i + 1).padStart(3, '0')).filter((area) => area !== '666');
const BLOCK_A = 102 * 1_000_000; // a never-issued area, any group, any serial
const BLOCK_B = 898 * 10_000; //     an issuable area, group 00, any serial
// BLOCK_C = 898 * 99: an issuable area, a group 01-99, serial 0000. The three blocks are disjoint and cover the
// never-issued SSNs, so A + B + C = NEVER_ISSUED_SSN_COUNT.

const pad = (value: number, width: number) => String(value).padStart(width, '0');

/**
 * The never-issued SSN of rank `index` (0 <= index < NEVER_ISSUED_SSN_COUNT), ranked block by block: a
 * bijection, so a uniform index gives a uniform token in one draw (rejection from all nine-digit strings
 * needed about nine).
 */
export function neverIssuedSsnAt(index: number): string {
  if (index < BLOCK_A) return NEVER_ISSUED_AREAS[Math.floor(index / 1_000_000)] + pad(index % 1_000_000, 6);
  const b = index - BLOCK_A;
  if (b < BLOCK_B) return ISSUABLE_AREAS[Math.floor(b / 10_000)] + '00' + pad(b % 10_000, 4);
  const c = b - BLOCK_B;
  return ISSUABLE_AREAS[Math.floor(c / 99)] + pad((c % 99) + 1, 2) + '0000';
}

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

  /** Uniform over the never-issued SSNs other than the value: one index drawn, then unranked (see neverIssuedSsnAt). */
  randomToken(canonicalValue) {
    return drawWhere(
      () => neverIssuedSsnAt(randomInt(Number(NEVER_ISSUED_SSN_COUNT))),
      (candidate) => candidate !== canonicalValue,
    );
  },

  tokenSpaceSize() {
    return NEVER_ISSUED_SSN_COUNT;
  },
};
