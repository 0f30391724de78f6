import { isIP } from 'node:net';
import { parseDate } from './date-shapes.js';

/**
 * Identifiers written inside a longer string ("Call 617-555-0100 after 10/06/2014"): what `when:
 * "embedded"` looks for. A string counts when some part of it, with other text around it, is an SSN
 * (ddd-dd-dddd), a formatted US phone number, an e-mail address, a URL, an IP address, or a full date in a
 * layout of date-shapes.ts. A value that is exactly one of those is left to its own shape (`when: "date"`,
 * `"phone"`, ...), and a value that is a URL as a whole is never "embedded", since FHIR systems, profiles and
 * canonical URLs are URLs that hold dates and dotted numbers by design.
 *
 * As for the whole-value shapes, bare runs of digits never count as phone numbers or SSNs.
 */
const URL_WHOLE = /^(?:(?:https?|ftp):\/\/|www\.)\S+$/i;
const SSN_INSIDE = /(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])/;
const PHONE_INSIDE = /(?<![\d+])(?:\+1[ .-]?)?(?:\(\d{3}\) ?|\d{3}[-. ])\d{3}[-. ]\d{4}(?![\d-])/;
/** The local part starts at a boundary, so a long run without a match is scanned once, not once per position. */
const EMAIL_INSIDE = /(?<![^\s<>()[\]",;:])[^\s@<>()[\]",;:]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,63}/;
const URL_INSIDE = /(?:(?:https?|ftp):\/\/|(?<![\w.])www\.)[^\s"'<>]+/i;
const IPV4_INSIDE = /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d.])/;
const IPV6_CANDIDATES = /(?<![\w:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])/g;
const ISO_DATE_INSIDE = /(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)/g;
const NUMERIC_DATE_INSIDE = /(?<![\d/-])\d{1,2}(?:\/\d{1,2}\/(?:\d{4}|\d{2})|-\d{1,2}-\d{4})(?![\d/-])/g;
const COMPACT_DATE_INSIDE = /(?<!\d)(?:1[89]|2[01])\d{6}(?!\d)/g;
const NAMED_DATE_INSIDE =
  /(?<![A-Za-z])(?:[A-Za-z]{3,9}\.?[ -]\d{1,2}(?:,? |-)\d{4}|\d{1,2}[ -][A-Za-z]{3,9}\.?[ -]\d{4})(?!\d)/g;

export function hasEmbeddedIdentifier(value: string): boolean {
  if (value.length < 7) return false;
  const digits = /\d/.test(value);
  if (!digits && !value.includes('@') && !/www\.|:\/\//i.test(value)) return false;
  if (URL_WHOLE.test(value) || (digits && parseDate(value) !== null)) return false;
  if (value.includes('@') && foundInside(value, EMAIL_INSIDE)) return true;
  if (foundInside(value, URL_INSIDE)) return true;
  if (!digits) return false;
  if (foundInside(value, SSN_INSIDE) || foundInside(value, PHONE_INSIDE) || foundInside(value, IPV4_INSIDE)) return true;
  if (value.includes(':') && anyInside(value, IPV6_CANDIDATES, (candidate) => /\d/.test(candidate) && isIP(candidate) === 6)) return true;
  return (
    anyInside(value, ISO_DATE_INSIDE, isDate) ||
    anyInside(value, NUMERIC_DATE_INSIDE, isDate) ||
    anyInside(value, COMPACT_DATE_INSIDE, isDate) ||
    anyInside(value, NAMED_DATE_INSIDE, isDate)
  );
}

function isDate(candidate: string): boolean {
  const date = parseDate(candidate);
  return date !== null && date.day !== null;
}

/** A match that is not the whole value. */
function foundInside(value: string, pattern: RegExp): boolean {
  const match = pattern.exec(value);
  return match !== null && match[0].length < value.length;
}

/** Some match (of a global pattern) that passes `accept` and is not the whole value. */
function anyInside(value: string, pattern: RegExp, accept: (candidate: string) => boolean): boolean {
  pattern.lastIndex = 0;
  for (let match = pattern.exec(value); match !== null; match = pattern.exec(value)) {
    if (match[0].length < value.length && accept(match[0])) {
      pattern.lastIndex = 0;
      return true;
    }
  }
  return false;
}
