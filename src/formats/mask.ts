const LETTER_OR_DIGIT = /^[\p{L}\p{N}]$/u;
const VISIBLE_TAIL = 4;

/**
 * The masked form of a rendered value: every letter or digit but the last four becomes `*`; separators,
 * punctuation and length in code points are kept, so the mask still shows the value's layout.
 */
export function maskValue(rendered: string): string {
  const chars = Array.from(rendered);
  let visibleLeft = VISIBLE_TAIL;
  for (let i = chars.length - 1; i >= 0; i--) {
    if (!LETTER_OR_DIGIT.test(chars[i])) continue;
    if (visibleLeft > 0) visibleLeft--;
    else chars[i] = '*';
  }
  return chars.join('');
}
