import { zipFormat } from '../../formats/zip.js';
import { patternDomain } from './pattern-domain.js';

/** ZIP+4 has 10^9 members; a five-digit ZIP only 10^5, below the FF1 minimum, so fpe mode refuses it. */
export const zipFpeDomain = patternDomain('zip', zipFormat, (canonical) => (canonical.length === 5 ? '99999' : '99999-9999'));
