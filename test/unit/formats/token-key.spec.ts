import { describe, expect, it } from 'vitest';
import { tokenKey } from '../../../src/formats/token-key.js';

describe('tokenKey', () => {
  it('keeps a text token as it is, case included', () => {
    expect(tokenKey('tok_0123456789abcdefghijKL')).toBe('tok_0123456789abcdefghijKL');
  });

  it('folds anything else shaped like a text token by rule 5', () => {
    expect(tokenKey('TOK_0123456789abcdefghijKL')).toBe('tok0123456789abcdefghijkl');
    expect(tokenKey('tok_0123456789abcdefghijK')).toBe('tok0123456789abcdefghijk');
  });

  it('lower-cases an address and keeps its punctuation', () => {
    expect(tokenKey('Xq.Zr+1@Ab-C.INVALID')).toBe('xq.zr+1@ab-c.invalid');
  });

  it('keys MM/DD/YYYY as YYYYMMDD, like YYYY-MM-DD', () => {
    expect(tokenKey('03/14/1985')).toBe('19850314');
    expect(tokenKey('1985-03-14')).toBe('19850314');
  });

  it('keys +1 phone numbers as their ten digits, like the other layouts', () => {
    const keys = ['+12992345678', '(299) 234-5678', '299-234-5678', '299.234.5678', '2992345678'].map(tokenKey);
    expect(new Set(keys)).toEqual(new Set(['2992345678']));
    expect(tokenKey('+442992345678')).toBe('442992345678');
  });

  it('otherwise lower-cases per code point and keeps only letters and digits', () => {
    expect(tokenKey('123-45-6789')).toBe('123456789');
    expect(tokenKey("Anne-Marie O'Neil")).toBe('annemarieoneil');
    expect(tokenKey('MRN-00/42.a_B')).toBe('mrn0042ab');
    expect(tokenKey('ΣΟΦΙΑ')).toBe('σοφια');
    expect(tokenKey('王 小明')).toBe('王小明');
  });

  it('leaves a letter whose lowering is several code points as it is', () => {
    expect(tokenKey('İPEK')).toBe('İpek');
  });
});
