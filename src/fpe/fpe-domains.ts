import type { FpeDomain } from './fpe-domain.js';
import type { FpeType } from './fpe-types.js';
import { dateFpeDomain } from './domains/date.js';
import { mrnFpeDomain } from './domains/mrn.js';
import { panFpeDomain } from './domains/pan.js';
import { phoneFpeDomain } from './domains/phone.js';
import { ssnFpeDomain } from './domains/ssn.js';
import { zipFpeDomain } from './domains/zip.js';

/** Every FPE type's domain; the Record type makes an FPE type without a domain a compile error. */
export const FPE_DOMAINS: Readonly<Record<FpeType, FpeDomain>> = Object.freeze({
  ssn: ssnFpeDomain,
  phone: phoneFpeDomain,
  zip: zipFpeDomain,
  mrn: mrnFpeDomain,
  pan: panFpeDomain,
  date: dateFpeDomain,
});

export function fpeDomainOf(type: FpeType): FpeDomain {
  return FPE_DOMAINS[type];
}
