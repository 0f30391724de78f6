import { phoneFormat } from '../../formats/phone.js';
import { patternDomain } from './pattern-domain.js';

/**
 * Ten digits in any of the phone layouts (+1 kept). The NANP shape [2-9]XX-[2-9]XX-XXXX is kept too: the area
 * code and the exchange each open with 2-9 in the token exactly when they do in the value, so a number that
 * passes a NANP validator gets a token that passes it, and the format's other numbers (opening 0 or 1) stay
 * in their own spaces. The smallest space (both opening 0-1) has 4 x 10^8 members.
 */
export const phoneFpeDomain = patternDomain('phone', phoneFormat, (canonical) => `${opener(canonical[0])}99${opener(canonical[3])}999999`);

function opener(digit: string): 'N' | 'B' {
  return digit >= '2' ? 'N' : 'B';
}
