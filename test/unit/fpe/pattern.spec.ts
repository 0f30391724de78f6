import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classOf, patternAtRank, patternSize, rankInPattern } from '../../../src/fpe/domains/pattern.js';

const patternChar = fc.constantFrom('9', 'A', 'N', 'B', '-', '_', '.', '/');
const pattern = fc.string({ unit: patternChar, minLength: 1, maxLength: 24 });

describe('patterns', () => {
  it('counts the strings of a pattern', () => {
    expect(patternSize('999999999')).toBe(10n ** 9n);
    expect(patternSize('99999-9999')).toBe(10n ** 9n);
    expect(patternSize('AAA-999999')).toBe(26n ** 3n * 10n ** 6n);
    expect(patternSize('N99N999999')).toBe(8n * 100n * 8n * 10n ** 6n);
    expect(patternSize('B99B999999')).toBe(4n * 10n ** 8n);
  });

  it('ranks and unranks every string of a pattern, keeping literals and classes in place', () => {
    fc.assert(
      fc.property(
        pattern.chain((p) => fc.bigInt({ min: 0n, max: patternSize(p) - 1n }).map((rank) => ({ p, rank }))),
        ({ p, rank }) => {
          const text = patternAtRank(p, rank);
          expect(text).toHaveLength(p.length);
          [...p].forEach((char, i) => {
            const symbols = classOf(char);
            if (symbols === undefined) expect(text[i]).toBe(char);
            else expect(symbols).toContain(text[i]);
          });
          expect(rankInPattern(p, text)).toBe(rank);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('orders strings like numbers (first position most significant)', () => {
    expect(patternAtRank('999', 0n)).toBe('000');
    expect(patternAtRank('999', 42n)).toBe('042');
    expect(patternAtRank('A9', 10n)).toBe('B0');
    expect(patternAtRank('N9', 0n)).toBe('20');
  });

  it('refuses text that does not fit the pattern and ranks outside it', () => {
    expect(() => rankInPattern('999', '12')).toThrow(RangeError);
    expect(() => rankInPattern('9-9', '1_2')).toThrow(RangeError);
    expect(() => rankInPattern('N99', '123')).toThrow(RangeError);
    expect(() => rankInPattern('A9', '12')).toThrow(RangeError);
    expect(() => patternAtRank('99', 100n)).toThrow(RangeError);
  });
});
