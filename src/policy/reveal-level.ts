/** How much of a value a caller may see. Ordered: denied < masked < plain. */
export const REVEAL_LEVELS = ['plain', 'masked', 'denied'] as const;
export type RevealLevel = (typeof REVEAL_LEVELS)[number];

const RANK: Readonly<Record<RevealLevel, number>> = { denied: 0, masked: 1, plain: 2 };

export function isRevealLevel(value: unknown): value is RevealLevel {
  return typeof value === 'string' && (REVEAL_LEVELS as readonly string[]).includes(value);
}

/** The more permissive of two levels: how several roles combine. */
export function morePermissive(a: RevealLevel, b: RevealLevel): RevealLevel {
  return RANK[a] >= RANK[b] ? a : b;
}

/** The less permissive of two levels: how tag caps and the caller's own `reveal` ceiling apply. */
export function lessPermissive(a: RevealLevel, b: RevealLevel): RevealLevel {
  return RANK[a] <= RANK[b] ? a : b;
}
