import { z } from 'zod';
import { DEFAULT_FPE_NAMESPACE, FPE_TYPES, type FpeType } from '../../fpe/fpe-types.js';
import { dispatchOnMode, refusedField } from './mode-dispatch.js';
import { MAX_ITEMS, NamespaceSchema } from './tokenize.dto.js';

/** CONTRACT section 5: why a caller wants values back. Recorded with every detokenize call. */
export const PURPOSES = ['treatment', 'payment', 'operations', 'research', 'public_health', 'legal', 'patient_request', 'emergency'] as const;
export type Purpose = (typeof PURPOSES)[number];

/** The most a caller asks to see; the policy may allow less, never more. */
export const REQUESTED_REVEALS = ['plain', 'masked'] as const;
export type RequestedReveal = (typeof REQUESTED_REVEALS)[number];

/** CONTRACT section 5's purpose; also the rule for erasure requests (one schema, so the rules never drift). */
export const PurposeSchema = z.enum(PURPOSES);
/** 10 to 1000 characters, and not 10 spaces: a justification has to say something. Erasure uses it too. */
export const JustificationSchema = z
  .string()
  .min(10)
  .max(1000)
  .refine((text) => text.trim().length >= 10, { message: 'must be at least 10 characters besides spaces', when: (payload) => payload.issues.length === 0 });

const CommonFields = {
  tokens: z.array(z.string().min(1).max(1024)).min(1).max(MAX_ITEMS),
  purpose: PurposeSchema,
  justification: JustificationSchema,
  breakGlass: z.boolean().default(false),
  /** `masked` lowers every plain reveal to masked; `plain` (the default) takes what the policy allows. */
  reveal: z.enum(REQUESTED_REVEALS).default('plain'),
};

/** Vault tokens: looked up in the tokens table. Without `mode` a call behaves exactly as before fpe existed. */
const VaultDetokenizeRequestSchema = z
  .strictObject({
    ...CommonFields,
    mode: z.enum(['fpe']).optional(),
    type: refusedField('is only for mode "fpe"'),
    namespace: refusedField('is only for mode "fpe"'),
  })
  .transform(({ mode: _fpeBodiesNeverGetHere, type: _type, namespace: _namespace, ...request }) => request);

/** FPE tokens (CONTRACT section 10): every token of the call is read as an FF1 token of `type` in `namespace`. */
const FpeDetokenizeRequestSchema = z.strictObject({
  ...CommonFields,
  mode: z.literal('fpe'),
  type: z.enum(FPE_TYPES),
  namespace: NamespaceSchema.default(DEFAULT_FPE_NAMESPACE),
});

/**
 * The body of POST /v1/detokenize. `shape` holds the fields every mode shares, for code that judges one of
 * them on its own (the erasure body reuses purpose and justification, so the rules never drift apart).
 */
export const DetokenizeRequestSchema = Object.assign(dispatchOnMode(FpeDetokenizeRequestSchema, VaultDetokenizeRequestSchema), {
  shape: CommonFields,
});

interface DetokenizeRequestFields {
  readonly tokens: readonly string[];
  readonly purpose: Purpose;
  readonly justification: string;
  readonly breakGlass: boolean;
  readonly reveal: RequestedReveal;
}

export interface VaultDetokenizeRequest extends DetokenizeRequestFields {
  readonly mode?: undefined;
}

export interface FpeDetokenizeRequest extends DetokenizeRequestFields {
  readonly mode: 'fpe';
  readonly type: FpeType;
  readonly namespace: string;
}

export type DetokenizeRequest = VaultDetokenizeRequest | FpeDetokenizeRequest;

export type Reveal = 'plain' | 'masked' | 'denied' | 'not_found';

export interface DetokenizeItem {
  readonly token: string;
  readonly type: string | null;
  readonly reveal: Reveal;
  readonly value?: string;
}

export interface DetokenizeResponse {
  readonly auditId: string;
  readonly items: readonly DetokenizeItem[];
}
