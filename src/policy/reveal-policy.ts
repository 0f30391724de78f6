import type { TokenType } from '../formats/format.js';
import { lessPermissive, morePermissive, type RevealLevel } from './reveal-level.js';

export type { RevealLevel } from './reveal-level.js';

/** One role's rules, after validation (see parse-policy.ts for the JSON form). */
export interface RolePolicy {
  /** The level for token types without a rule of their own. */
  readonly default: RevealLevel;
  /** Per-type levels; they replace `default` for that type (up or down). */
  readonly types: ReadonlyMap<TokenType, RevealLevel>;
  /** Per-tag caps for this role: a token carrying the tag gets at most this level. */
  readonly tags: ReadonlyMap<string, RevealLevel>;
}

/** A validated reveal policy. Built only by parseRevealPolicy, so every level and type in it is known. */
export interface RevealPolicy {
  /** Tag caps that apply to every role. */
  readonly tags: ReadonlyMap<string, RevealLevel>;
  /** Roles not in this map get nothing. */
  readonly roles: ReadonlyMap<string, RolePolicy>;
}

export interface RevealQuestion {
  readonly roles: readonly string[];
  readonly type: TokenType;
  readonly tags: readonly string[];
  readonly breakGlass: boolean;
}

/**
 * The reveal level of one found token for one caller. Pure; the whole precedence is here:
 * 1. break-glass (already authorized by the caller) reveals every found token plain, whatever the policy;
 * 2. per role: the type's rule, else the role's default; then every tag the token carries that has a cap
 *    (for that role, or for every role) lowers the level to at most that cap: a tag never raises a level;
 * 3. across the caller's roles the most permissive level wins; a role the policy does not name gives
 *    `denied`, so a caller with no known role sees nothing.
 */
export function decideReveal(policy: RevealPolicy, question: RevealQuestion): RevealLevel {
  if (question.breakGlass) return 'plain';
  let best: RevealLevel = 'denied';
  for (const role of question.roles) {
    const rules = policy.roles.get(role);
    if (rules !== undefined) best = morePermissive(best, levelForRole(policy, rules, question));
  }
  return best;
}

function levelForRole(policy: RevealPolicy, rules: RolePolicy, question: RevealQuestion): RevealLevel {
  let level = rules.types.get(question.type) ?? rules.default;
  for (const tag of question.tags) {
    const everyRoleCap = policy.tags.get(tag);
    const roleCap = rules.tags.get(tag);
    if (everyRoleCap !== undefined) level = lessPermissive(level, everyRoleCap);
    if (roleCap !== undefined) level = lessPermissive(level, roleCap);
  }
  return level;
}

/** What the caller asked for (`reveal: "masked"`) can lower the level the policy allows, never raise it. */
export function applyCallerCeiling(allowed: RevealLevel, requested: 'plain' | 'masked'): RevealLevel {
  return lessPermissive(allowed, requested);
}
