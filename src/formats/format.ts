/**
 * The contract every token type implements. A value is split into what identifies it (`canonical`) and how
 * it was written (`layout`): `123-45-6789` and `123456789` share the canonical `123456789` and differ only in
 * layout. Fingerprints, ciphertexts and stored tokens hold canonical forms; the API renders them back in the
 * caller's layout.
 *
 * Invariants every format keeps (property-tested in test/unit/formats):
 * - render(p.canonical, p.layout) === input for every input parseValue accepts (after NFC for names);
 * - randomToken(c) !== c, and render(randomToken(c), layout) has the same layout as the value;
 * - parseToken(render(t, layout)) gives back t and layout for every token t randomToken can return;
 * - tokenKey(render(t, l1)) === tokenKey(render(t, l2)) for any two layouts of one type (see token-key.ts);
 * - no message ever contains the submitted value.
 */
export const TOKEN_TYPES = ['ssn', 'phone', 'email', 'date', 'name', 'zip', 'mrn', 'pan', 'text'] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];

export function isTokenType(value: unknown): value is TokenType {
  return typeof value === 'string' && (TOKEN_TYPES as readonly string[]).includes(value);
}

export interface Parsed<L = unknown> {
  readonly canonical: string;
  readonly layout: L;
}

/** Why a value does not fit its type. The message names the rule, never the value. */
export interface Invalid {
  readonly invalid: string;
}

export function isInvalid(result: Parsed | Invalid): result is Invalid {
  return 'invalid' in result;
}

export interface TokenFormat<L = unknown> {
  readonly type: TokenType;
  /** Parses a submitted value; `Invalid` when it does not fit the type. */
  parseValue(value: string): Parsed<L> | Invalid;
  /**
   * Parses a presented token (a rendering of a canonical token). Tokens may break value rules on purpose
   * (PAN tokens fail Luhn, SSN tokens are never issuable), so this accepts the token layouts, not values.
   * null when the string is not a token of this type.
   */
  parseToken(token: string): Parsed<L> | null;
  /** Writes a canonical value or canonical token in a layout. */
  render(canonical: string, layout: L): string;
  /**
   * Draws a canonical token uniformly (crypto.randomInt) from the token space of the value's shape. Never
   * equal to `canonicalValue`; honours the type's rules (SSN never issuable, PAN fails Luhn, ...).
   */
  randomToken(canonicalValue: string): string;
  /** How many canonical tokens exist for this value's shape (used to explain exhaustion). */
  tokenSpaceSize(canonicalValue: string): bigint;
}
