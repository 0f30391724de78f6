import { dateFormat } from './date.js';
import { emailFormat } from './email.js';
import type { TokenFormat, TokenType } from './format.js';
import { mrnFormat } from './mrn.js';
import { nameFormat } from './name.js';
import { panFormat } from './pan.js';
import { phoneFormat } from './phone.js';
import { ssnFormat } from './ssn.js';
import { textFormat } from './text.js';
import { zipFormat } from './zip.js';

/** Every token type's format; the Record type makes a type without a format a compile error. */
export const FORMATS: Readonly<Record<TokenType, TokenFormat>> = Object.freeze({
  ssn: ssnFormat,
  phone: phoneFormat,
  email: emailFormat,
  date: dateFormat,
  name: nameFormat,
  zip: zipFormat,
  mrn: mrnFormat,
  pan: panFormat,
  text: textFormat,
});

export function formatOf(type: TokenType): TokenFormat {
  return FORMATS[type];
}
