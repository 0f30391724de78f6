import { describe, expect, it } from 'vitest';
import { TOKEN_TYPES, isInvalid, type TokenType } from '../../../src/formats/format.js';
import { FORMATS, formatOf } from '../../../src/formats/registry.js';
import { tokenKey } from '../../../src/formats/token-key.js';

const SAMPLE_VALUES: Record<TokenType, string> = {
  ssn: '999-12-3456',
  phone: '(212) 555-0123',
  email: 'John.Doe@Example.com',
  date: '03/14/1985',
  name: "Anne-Marie O'Neil",
  zip: '02139-4307',
  mrn: 'MRN-000123',
  pan: '4111 1111 1111 1111',
  text: 'Patient reports chest pain since Tuesday.',
};

describe('format registry', () => {
  it('has a format for every token type, under its own name', () => {
    for (const type of TOKEN_TYPES) {
      expect(FORMATS[type].type).toBe(type);
      expect(formatOf(type)).toBe(FORMATS[type]);
    }
    expect(Object.keys(FORMATS).sort()).toEqual([...TOKEN_TYPES].sort());
  });

  it.each(TOKEN_TYPES)('tokenizes a sample %s end to end', (type) => {
    const format = formatOf(type);
    const parsed = format.parseValue(SAMPLE_VALUES[type]);
    if (isInvalid(parsed)) throw new Error(parsed.invalid);
    expect(format.render(parsed.canonical, parsed.layout)).toBe(SAMPLE_VALUES[type]);
    const token = format.randomToken(parsed.canonical);
    const rendered = format.render(token, parsed.layout);
    expect(rendered).not.toBe(SAMPLE_VALUES[type]);
    expect(format.parseToken(rendered)).toEqual({ canonical: token, layout: parsed.layout });
    expect(tokenKey(rendered).length).toBeGreaterThan(0);
    expect(format.tokenSpaceSize(parsed.canonical)).toBeGreaterThan(1n);
  });

  it.each(TOKEN_TYPES)('names the rule, never the value, when a %s does not fit', (type) => {
    for (const value of ['SECRET-4242<>', 'S3CR3T VALUE!', '\uD800SECRET']) {
      const parsed = formatOf(type).parseValue(value);
      if (isInvalid(parsed)) expect(parsed.invalid).not.toContain(value);
    }
  });
});
