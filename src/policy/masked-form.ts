const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const ASCII = /^[\x00-\x7F]*$/;
const VISIBLE_TAIL = 4;
const GRAPHEMES = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * The masked form of a revealed value (CONTRACT section 5): every letter and digit but the last four becomes
 * `*`; separators and punctuation stay in place, so the mask still shows the value's layout.
 *
 * Invariants (property-tested in test/unit/policy/masked-form.spec.ts):
 * - A letter is what a reader sees as one: the value is normalized to NFC, then counted in grapheme
 *   clusters, so a letter with its accents (composed, decomposed, or with marks that have no composed form)
 *   is one letter and is masked whole: no accent is left behind on a `*`. Other characters (emoji, symbols)
 *   are layout, like separators.
 * - A value with four or fewer letters and digits comes back whole (in NFC): the rule keeps the last four
 *   visible, and such a value has nothing before them. This is a documented decision, not an oversight: a
 *   role that must not see short values of a type (initials, a short name) needs `denied` for that type.
 */
export function maskedForm(rendered: string): string {
  const units = ASCII.test(rendered) ? Array.from(rendered) : Array.from(GRAPHEMES.segment(rendered.normalize('NFC')), (piece) => piece.segment);
  let visibleLeft = VISIBLE_TAIL;
  for (let i = units.length - 1; i >= 0; i--) {
    if (!LETTER_OR_DIGIT.test(units[i])) continue;
    if (visibleLeft > 0) visibleLeft--;
    else units[i] = '*';
  }
  return units.join('');
}
