import { z } from 'zod';
import { isInvalid, TOKEN_TYPES, type Parsed, type TokenType } from '../../formats/format.js';
import { formatOf } from '../../formats/registry.js';
import { fpeAccepts } from '../../fpe/fpe-cipher.js';
import { DEFAULT_FPE_NAMESPACE, FPE_NAMESPACE, FPE_TYPES, isFpeType, type FpeType } from '../../fpe/fpe-types.js';
import { dispatchOnMode, refusedField } from './mode-dispatch.js';

export const MAX_ITEMS = 1000;
export const PATIENT_REF = /^[\x21-\x7E]{1,128}$/;
export const TAG = /^[A-Za-z0-9_.:-]{1,64}$/;
/** Per-item time to live, in seconds: one minute to 100 years (365-day years). */
export const MIN_TTL_SECONDS = 60;
export const MAX_TTL_SECONDS = 3_153_600_000;

export const TOKENIZE_MODES = ['deterministic', 'random', 'fpe'] as const;
export type TokenizeMode = 'deterministic' | 'random';

const ValueSchema = z.string();
const PatientRefSchema = z.string().regex(PATIENT_REF, 'must be 1 to 128 visible ASCII characters (an opaque reference, not PHI)');
const TagsSchema = z.array(z.string().regex(TAG, 'must be 1 to 64 characters of letters, digits and _.:-')).max(16);
const TtlSchema = z
  .number()
  .min(MIN_TTL_SECONDS)
  .max(MAX_TTL_SECONDS)
  .refine(Number.isInteger, { message: 'must be a whole number of seconds' });
export const NamespaceSchema = z.string().regex(FPE_NAMESPACE, 'must be 1 to 64 characters of letters, digits and _.:-');

function parseItemValue(type: TokenType, value: string, context: z.RefinementCtx): Parsed | null {
  const parsed = formatOf(type).parseValue(value);
  if (!isInvalid(parsed)) return parsed;
  context.addIssue({ code: 'custom', path: ['value'], message: parsed.invalid });
  return null;
}

// ── deterministic and random: stored tokens ─────────────────────────────────────────────────────────

const TokenizeItemSchema = z
  .strictObject({
    type: z.enum(TOKEN_TYPES),
    value: ValueSchema,
    patientRef: PatientRefSchema.optional(),
    tags: TagsSchema.optional(),
    ttl: TtlSchema.optional(),
  })
  .transform((item, context): TokenizeItem => {
    const parsed = parseItemValue(item.type, item.value, context);
    if (parsed === null) return z.NEVER;
    return { type: item.type, parsed, patientRef: item.patientRef ?? null, tags: [...new Set(item.tags ?? [])].sort(), ttlSeconds: item.ttl ?? null };
  });

const VaultTokenizeRequestSchema = z.strictObject({
  items: z.array(TokenizeItemSchema).min(1).max(MAX_ITEMS),
  // Listing every mode keeps the message for a mistyped mode complete; fpe bodies never reach this schema.
  mode: z.enum(TOKENIZE_MODES).default('deterministic').pipe(z.enum(['deterministic', 'random'])),
  namespace: refusedField('is only for mode "fpe"'),
});

// ── fpe: vaultless FF1 tokens, nothing stored ───────────────────────────────────────────────────────

const NOTHING_STORED = 'cannot be used with mode "fpe": an fpe token has no stored row to keep it';

const FpeTokenizeItemSchema = z
  .strictObject({
    type: z.enum(TOKEN_TYPES).refine(isFpeType, { message: `must be one of ${FPE_TYPES.join(', ')} with mode "fpe"` }),
    value: ValueSchema,
    patientRef: refusedField(`${NOTHING_STORED}; use mode "deterministic" to keep a patientRef`),
    tags: refusedField(`${NOTHING_STORED}, so a tag such as "restricted" would be silently lost; use mode "deterministic"`),
    ttl: refusedField(`${NOTHING_STORED}, so it cannot expire; use mode "deterministic"`),
  })
  .transform((item, context): FpeTokenizeItem => {
    const type = item.type as FpeType;
    const parsed = parseItemValue(type, item.value, context);
    if (parsed === null) return z.NEVER;
    if (!fpeAccepts(type, parsed.canonical)) {
      context.addIssue({
        code: 'custom',
        path: ['value'],
        message: `cannot be tokenized in mode "fpe": values of this ${type} layout have fewer than 1,000,000 possible values, the FF1 minimum of NIST SP 800-38G Rev. 1; use mode "deterministic"`,
      });
      return z.NEVER;
    }
    return { type, parsed };
  });

const FpeTokenizeRequestSchema = z.strictObject({
  items: z.array(FpeTokenizeItemSchema).min(1).max(MAX_ITEMS),
  mode: z.literal('fpe'),
  namespace: NamespaceSchema.default(DEFAULT_FPE_NAMESPACE),
});

export const TokenizeRequestSchema = dispatchOnMode(FpeTokenizeRequestSchema, VaultTokenizeRequestSchema);

/** A validated item: its value already parsed into canonical form and layout. */
export interface TokenizeItem {
  readonly type: TokenType;
  readonly parsed: Parsed;
  readonly patientRef: string | null;
  readonly tags: readonly string[];
  /** Seconds the token stays valid from this call; null or absent: until erased. */
  readonly ttlSeconds?: number | null;
}

export interface VaultTokenizeRequest {
  readonly items: readonly TokenizeItem[];
  readonly mode: TokenizeMode;
}

export interface FpeTokenizeItem {
  readonly type: FpeType;
  readonly parsed: Parsed;
}

export interface FpeTokenizeRequest {
  readonly items: readonly FpeTokenizeItem[];
  readonly mode: 'fpe';
  readonly namespace: string;
}

export type TokenizeRequest = VaultTokenizeRequest | FpeTokenizeRequest;

export interface TokenizeResponse {
  readonly items: readonly { readonly token: string; readonly type: TokenType }[];
}
