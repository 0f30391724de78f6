import { DIGITS, LOWER_LATIN, drawWhere, randomCharOf } from './draw.js';
import type { Invalid, Parsed, TokenFormat } from './format.js';

/**
 * The canonical form is the whole address lower-cased. The layout says which letters were upper-case: `U`
 * or `.` per position before the last dot (local part and every domain label but the top-level one), and
 * whether the top-level domain was written upper-case. A token keeps the positions and replaces the top-level
 * domain by `invalid`, so the case of the value's top-level domain is kept as a whole, not per letter.
 */
export interface EmailLayout {
  readonly upperCaseMask: string;
  readonly upperCaseTld: boolean;
}

const MAX_LENGTH = 254;
const MAX_LOCAL_LENGTH = 64;
const MAX_LABEL_LENGTH = 63;
/** RFC 2606: never delegated, so an address under it can never be delivered. */
const TOKEN_TLD = 'invalid';

const ASCII = /^[\x00-\x7f]*$/;
const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;
const TLD = /^(?:[a-z]{2,}|[A-Z]{2,})$/;
const LETTERS = /^[A-Za-z]{2,}$/;

/** The address rules shared by values and tokens; the last dot splits the top-level domain off. */
function parseAddress(text: string): Parsed<EmailLayout> | Invalid {
  if (!ASCII.test(text)) return { invalid: 'email must be ASCII (internationalised addresses are not supported)' };
  if (text.length > MAX_LENGTH) return { invalid: 'email must be at most 254 characters' };
  const parts = text.split('@');
  if (parts.length !== 2) return { invalid: 'email must be local-part@domain with exactly one @' };
  const [local, domain] = parts as [string, string];
  if (local.length > MAX_LOCAL_LENGTH || !DOT_ATOM.test(local)) {
    return { invalid: 'email local part must be 1 to 64 characters of dot-separated atoms (RFC 5321)' };
  }
  const labels = domain.split('.');
  const tld = labels[labels.length - 1] ?? '';
  if (labels.length < 2 || labels.some((label) => label.length > MAX_LABEL_LENGTH || !LABEL.test(label))) {
    return {
      invalid:
        'email domain must be two or more dot-separated labels of 1 to 63 letters, digits and hyphens, ' +
        'not starting or ending with a hyphen',
    };
  }
  if (!LETTERS.test(tld)) return { invalid: 'email top-level domain must be two or more letters' };
  if (!TLD.test(tld)) return { invalid: 'email top-level domain must be all lower-case or all upper-case' };
  const lastDot = text.lastIndexOf('.');
  const upperCaseMask = text.slice(0, lastDot).replace(/[A-Z]/g, 'U').replace(/[^U]/g, '.');
  return { canonical: text.toLowerCase(), layout: { upperCaseMask, upperCaseTld: /[A-Z]/.test(tld) } };
}

function topLevelDomainOf(canonical: string): string {
  return canonical.slice(canonical.lastIndexOf('.') + 1);
}

export const emailFormat: TokenFormat<EmailLayout> = {
  type: 'email',

  parseValue(value) {
    const parsed = parseAddress(value);
    if ('invalid' in parsed) return parsed;
    const tokenLength = value.length - topLevelDomainOf(parsed.canonical).length + TOKEN_TLD.length;
    if (tokenLength > MAX_LENGTH) return { invalid: 'email is too long to tokenize under .invalid' };
    return parsed;
  },

  /** A token is an address under `.invalid`. */
  parseToken(token) {
    const parsed = parseAddress(token);
    if ('invalid' in parsed || topLevelDomainOf(parsed.canonical) !== TOKEN_TLD) return null;
    return parsed;
  },

  render(canonical, layout) {
    const lastDot = canonical.lastIndexOf('.');
    const mask = layout.upperCaseMask;
    if (mask.length !== lastDot) throw new Error('email layout does not fit the address');
    let rendered = '';
    for (let i = 0; i < lastDot; i++) {
      rendered += mask[i] === 'U' ? canonical.charAt(i).toUpperCase() : canonical.charAt(i);
    }
    const tld = canonical.slice(lastDot);
    return rendered + (layout.upperCaseTld ? tld.toUpperCase() : tld);
  },

  /**
   * Letters and digits before the top-level domain are drawn uniformly (a-z, 0-9); dots, hyphens, `@` and
   * other atext stay in place, so every label keeps its shape and stays valid; the top-level domain becomes
   * `invalid`.
   */
  randomToken(canonicalValue) {
    const beforeTld = canonicalValue.slice(0, canonicalValue.lastIndexOf('.'));
    const draw = (): string =>
      beforeTld.replace(/[a-z0-9]/g, (char) => randomCharOf(/\d/.test(char) ? DIGITS : LOWER_LATIN)) +
      `.${TOKEN_TLD}`;
    return drawWhere(draw, (candidate) => candidate !== canonicalValue);
  },

  tokenSpaceSize(canonicalValue) {
    const beforeTld = canonicalValue.slice(0, canonicalValue.lastIndexOf('.'));
    const letters = BigInt(beforeTld.match(/[a-z]/g)?.length ?? 0);
    const digits = BigInt(beforeTld.match(/\d/g)?.length ?? 0);
    return 26n ** letters * 10n ** digits;
  },
};
