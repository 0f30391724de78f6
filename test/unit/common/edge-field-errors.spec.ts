import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatPath, toFieldErrors } from '../../../src/common/validation/zod-body.pipe.js';

/** A request schema with every kind of rule the API uses: strict objects, arrays, enums, literals, lengths, formats, unions, refinements. */
const Item = z.strictObject({
  type: z.enum(['ssn', 'zip']),
  value: z.string().max(12),
  kind: z.literal('single').optional(),
  tags: z.array(z.string().regex(/^[a-z]{1,8}$/, 'must be 1 to 8 lower-case letters')).max(2).optional(),
  code: z.string().startsWith('P-').optional(),
  when: z.union([z.iso.datetime(), z.iso.date()]).optional(),
  count: z.number().int().multipleOf(5).optional(),
});
const Request = z.strictObject({
  items: z.array(Item).min(1).max(3),
  purpose: z.enum(['treatment', 'payment']),
  note: z
    .string()
    .min(10)
    .max(40)
    .refine((text) => !text.startsWith(' '), 'must not start with a space')
    .optional(),
});

/** As ZodPipe parses: with the input kept in the issues, so a missing field can be told from a wrong one. */
const errorsOf = (input: unknown) => {
  const result = Request.safeParse(input, { reportInput: true });
  if (result.success) throw new Error('expected the input to be refused');
  return toFieldErrors(result.error);
};

/** Strings shaped like PHI that no message of ours could contain by chance. */
const phi = fc.oneof(
  fc.stringMatching(/^[0-8][0-9]{2}-[0-9]{2}-[0-9]{4}$/),
  fc.stringMatching(/^[A-Z][a-z]{3,10} [A-Z][a-z]{3,12}$/),
  fc.string({ minLength: 6, maxLength: 40 }).map((text) => `PHI~${text}~`),
);

describe('validation errors never echo what was submitted', () => {
  it('reports unknown keys at their object, without their name', () => {
    const errors = errorsOf({ items: [{ type: 'ssn', value: '1', '078-05-1120': 'x' }], purpose: 'treatment', 'Jane Doe': 1, 'Mary Major': 2 });
    expect(errors).toEqual([
      { path: 'items[0]', message: 'has an unknown field' },
      { path: '(body)', message: 'has 2 unknown fields' },
    ]);
    expect(JSON.stringify(errors)).not.toMatch(/078-05-1120|Jane Doe|Mary Major/);
  });

  it('names allowed enum values and limits, never the received ones', () => {
    const errors = errorsOf({
      items: [{ type: '078-05-1120', value: '078-05-1120-078-05-1120', kind: 'Jane Doe', code: 'Jane', when: 'Jane Doe', count: 7, tags: ['Jane Doe'] }],
      purpose: 'Jane Doe',
      note: ' Jane Doe, 078-05-1120',
    });
    expect(errors).toEqual([
      { path: 'items[0].type', message: 'must be one of "ssn", "zip"' },
      { path: 'items[0].value', message: 'must be at most 12 characters' },
      { path: 'items[0].kind', message: 'must be one of "single"' },
      { path: 'items[0].tags[0]', message: 'must be 1 to 8 lower-case letters' },
      { path: 'items[0].code', message: 'must be a valid starts_with' },
      { path: 'items[0].when', message: 'is not valid' },
      { path: 'items[0].count', message: 'must be a multiple of 5' },
      { path: 'purpose', message: 'must be one of "treatment", "payment"' },
      { path: 'note', message: 'must not start with a space' },
    ]);
    expect(JSON.stringify(errors)).not.toMatch(/078-05-1120|Jane/);
  });

  it('tells a missing field from one of the wrong type', () => {
    expect(errorsOf({ items: [{ type: 'ssn', value: 123456789 }] })).toEqual([
      { path: 'items[0].value', message: 'must be a string' },
      { path: 'purpose', message: 'is required' },
    ]);
    expect(errorsOf([])).toEqual([{ path: '(body)', message: 'must be an object' }]);
    // Without the input (as other callers of toFieldErrors parse), a type mismatch is still told apart.
    const bare = Request.safeParse({ items: [{ type: 'ssn', value: 123456789 }] });
    expect(bare.success || toFieldErrors(bare.error)).toEqual([
      { path: 'items[0].value', message: 'must be a string' },
      { path: 'purpose', message: 'must be one of "treatment", "payment"' },
    ]);
  });

  it('property: PHI placed anywhere (key, enum member, literal, over-long string, format) never reaches path or message', () => {
    fc.assert(
      fc.property(phi, fc.constantFrom('key', 'nestedKey', 'type', 'purpose', 'kind', 'value', 'note', 'code', 'tag', 'when'), (secret, where) => {
        const item: Record<string, unknown> = { type: 'ssn', value: '1' };
        const body: Record<string, unknown> = { items: [item], purpose: 'treatment' };
        if (where === 'key') body[secret] = true;
        if (where === 'nestedKey') item[secret] = secret;
        if (where === 'type') item.type = secret;
        if (where === 'purpose') body.purpose = secret;
        if (where === 'kind') item.kind = secret;
        if (where === 'value') item.value = `${secret}${'9'.repeat(13)}`;
        if (where === 'note') body.note = ` ${secret}${'x'.repeat(41)}`;
        if (where === 'code') item.code = secret;
        if (where === 'tag') item.tags = [secret];
        if (where === 'when') item.when = secret;
        const errors = errorsOf(body);
        expect(errors.length).toBeGreaterThan(0);
        expect(JSON.stringify(errors)).not.toContain(secret);
      }),
      { numRuns: 300 },
    );
  });

  it('replaces zod default wording that quotes input, even when re-raised as a custom issue', () => {
    const error = new z.ZodError([{ code: 'custom', path: ['items', 0], message: 'Unrecognized key: "078-05-1120"', input: undefined }]);
    expect(toFieldErrors(error)).toEqual([{ path: 'items[0]', message: 'is not valid' }]);
  });

  it('formats paths as items[3].value', () => {
    expect(formatPath(['items', 3, 'value'])).toBe('items[3].value');
    expect(formatPath([])).toBe('(body)');
    expect(formatPath([], '(query)')).toBe('(query)');
  });
});
