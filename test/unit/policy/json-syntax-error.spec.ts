import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonSyntaxErrorOffset } from '../../../src/policy/json-syntax-error.js';

const parses = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

describe('jsonSyntaxErrorOffset', () => {
  it.each([
    ['{"a": plain}', 6],
    ['{"a":1,}', 7],
    ['', 0],
    ['[1, 2', 5],
    ['{"a": "x\ny"}', 8],
    ['{} x', 3],
    ['tru', 0],
    ['01', 1],
  ])('%j fails at %i', (text, offset) => {
    expect(jsonSyntaxErrorOffset(text)).toBe(offset);
  });

  it('accepts exactly what JSON.parse accepts', () => {
    fc.assert(fc.property(fc.json(), (text) => jsonSyntaxErrorOffset(text) === null));
    const jsonish = fc.stringMatching(/^[\s{}[\]",:0-9a-z.\\eE+-]{0,24}$/);
    fc.assert(fc.property(jsonish, (text) => (jsonSyntaxErrorOffset(text) === null) === parses(text)), { numRuns: 5000 });
  });
});
