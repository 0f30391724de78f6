/**
 * Per-code-point case mappings. A mapping that would change the number of code points (ß -> SS, İ -> i̇)
 * is refused and the character kept, so a string keeps its length in code points through any of these.
 */

export function lowerOne(char: string): string {
  const lower = char.toLowerCase();
  return isOneCodePoint(lower) ? lower : char;
}

export function upperOne(char: string): string {
  const upper = char.toUpperCase();
  return isOneCodePoint(upper) ? upper : char;
}

/**
 * A letter without its case, for letters whose case can be restored: lowered only when
 * upperOne(lowerOne(c)) === c, so an upper-case letter rendered at an upper-case position comes back intact.
 * Letters whose lowering cannot be undone (İ, ẞ) are kept as they are.
 */
export function foldLetter(char: string): string {
  const lower = lowerOne(char);
  return lower !== char && upperOne(lower) === char ? lower : char;
}

function isOneCodePoint(text: string): boolean {
  const first = text.codePointAt(0);
  return first !== undefined && String.fromCodePoint(first).length === text.length;
}
