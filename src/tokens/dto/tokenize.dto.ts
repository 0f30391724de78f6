import { z } from 'zod';
import { isInvalid, TOKEN_TYPES, type Parsed, type TokenType } from '../../formats/format.js';
import { formatOf } from '../../formats/registry.js';

export const MAX_ITEMS = 1000;
export const PATIENT_REF = /^[\x21-\x7E]{1,128}$/;
export const TAG = /^[A-Za-z0-9_.:-]{1,64}$/;

const TokenizeItemSchema = z
  .strictObject({
    type: z.enum(TOKEN_TYPES),
    value: z.string(),
    patientRef: z.string().regex(PATIENT_REF, 'must be 1 to 128 visible ASCII characters (an opaque reference, not PHI)').optional(),
    tags: z.array(z.string().regex(TAG, 'must be 1 to 64 characters of letters, digits and _.:-')).max(16).optional(),
  })
  .transform((item, context) => {
    const parsed = formatOf(item.type).parseValue(item.value);
    if (isInvalid(parsed)) {
      context.addIssue({ code: 'custom', path: ['value'], message: parsed.invalid });
      return z.NEVER;
    }
    return { type: item.type, parsed, patientRef: item.patientRef ?? null, tags: [...new Set(item.tags ?? [])].sort() };
  });

export const TokenizeRequestSchema = z.strictObject({
  items: z.array(TokenizeItemSchema).min(1).max(MAX_ITEMS),
  mode: z.enum(['deterministic', 'random']).default('deterministic'),
});

export type TokenizeMode = 'deterministic' | 'random';

/** A validated item: its value already parsed into canonical form and layout. */
export interface TokenizeItem {
  readonly type: TokenType;
  readonly parsed: Parsed;
  readonly patientRef: string | null;
  readonly tags: readonly string[];
}

export interface TokenizeRequest {
  readonly items: readonly TokenizeItem[];
  readonly mode: TokenizeMode;
}

export interface TokenizeResponse {
  readonly items: readonly { readonly token: string; readonly type: TokenType }[];
}
