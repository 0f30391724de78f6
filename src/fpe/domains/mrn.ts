import { mrnFormat } from '../../formats/mrn.js';
import { patternDomain } from './pattern-domain.js';

/**
 * An MRN's space is its character-class pattern after the format's upper-casing: letters stay letters (radix
 * 26), digits stay digits (radix 10), separators stay in place. `MRN-000123` lives among the 26^3 x 10^6
 * strings shaped AAA-999999; a pattern with fewer than 1,000,000 members (four digits, two letters and two
 * digits) is refused. Tokens are MRN values, so unlike vault MRN tokens one may start with TOK_: fpe
 * detokenize is told the type, so no reading is ambiguous.
 */
export const mrnFpeDomain = patternDomain('mrn', mrnFormat, (canonical) => canonical.replace(/[A-Z]/g, 'A').replace(/[0-9]/g, '9'));
