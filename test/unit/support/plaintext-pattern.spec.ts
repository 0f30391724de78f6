import { describe, expect, it } from 'vitest';
import { plaintextPattern } from '../../support/plaintext-pattern.js';

describe('plaintextPattern (the authorization matrix leak check)', () => {
  it('finds a value set off as a value: a JSON string, text, a longer layout', () => {
    for (const text of ['{"zip":"10027"}', 'zip 10027.', '"10027-1234"', '[10027]']) expect(text).toMatch(plaintextPattern('10027'));
    expect(`{"name":"Mary-Ann O'Neil"}`).toMatch(plaintextPattern("Mary-Ann O'Neil"));
  });

  it('ignores the same digits inside hex hashes, UUIDs and longer digit runs', () => {
    for (const text of ['"9d10027bbcbe"', 'fc7655e9-bcab-4d7d-9549-910027a1b2c3', '"8767610027111111"', 'x10027']) {
      expect(text).not.toMatch(plaintextPattern('10027'));
    }
  });

  it('treats the value literally, not as a pattern', () => {
    expect('Chest pain since Tuesdayx').not.toMatch(plaintextPattern('Chest pain since Tuesday.'));
    expect('"4111 1111 1111 1111"').toMatch(plaintextPattern('4111 1111 1111 1111'));
  });
});
