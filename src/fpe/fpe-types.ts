import type { TokenType } from '../formats/format.js';

/** The token types with an FF1 domain (CONTRACT section 10): digit and alphanumeric values of a fixed shape. */
export const FPE_TYPES = ['ssn', 'phone', 'zip', 'mrn', 'pan', 'date'] as const satisfies readonly TokenType[];
export type FpeType = (typeof FPE_TYPES)[number];

export function isFpeType(type: string): type is FpeType {
  return (FPE_TYPES as readonly string[]).includes(type);
}

/** Separates datasets or tenants: the same value gets unrelated tokens in different namespaces. */
export const FPE_NAMESPACE = /^[A-Za-z0-9_.:-]{1,64}$/;
export const DEFAULT_FPE_NAMESPACE = 'default';
