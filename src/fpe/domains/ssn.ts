import { ssnFormat } from '../../formats/ssn.js';
import { patternDomain } from './pattern-domain.js';

/**
 * Every nine-digit string, in either layout: 10^9 members. Unlike vault SSN tokens (never issuable), an FPE
 * SSN token usually looks issuable: a bijection from 10^9 values cannot land in the ~1.1 x 10^8 never-issued
 * SSNs (docs/fpe.md).
 */
export const ssnFpeDomain = patternDomain('ssn', ssnFormat, () => '999999999');
