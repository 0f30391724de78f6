import { z } from 'zod';
import { MAX_ITEMS } from './tokenize.dto.js';

/** CONTRACT section 5: why a caller wants values back. Recorded with every detokenize call. */
export const PURPOSES = ['treatment', 'payment', 'operations', 'research', 'public_health', 'legal', 'patient_request', 'emergency'] as const;
export type Purpose = (typeof PURPOSES)[number];

/** The most a caller asks to see; the policy may allow less, never more. */
export const REQUESTED_REVEALS = ['plain', 'masked'] as const;
export type RequestedReveal = (typeof REQUESTED_REVEALS)[number];

export const DetokenizeRequestSchema = z.strictObject({
  tokens: z.array(z.string().min(1).max(1024)).min(1).max(MAX_ITEMS),
  purpose: z.enum(PURPOSES),
  // 10 to 1000 characters, and not 10 spaces: a justification has to say something.
  justification: z
    .string()
    .min(10)
    .max(1000)
    .refine((text) => text.trim().length >= 10, { message: 'must be at least 10 characters besides spaces', when: (payload) => payload.issues.length === 0 }),
  breakGlass: z.boolean().default(false),
  /** `masked` lowers every plain reveal to masked; `plain` (the default) takes what the policy allows. */
  reveal: z.enum(REQUESTED_REVEALS).default('plain'),
});

export type DetokenizeRequest = z.output<typeof DetokenizeRequestSchema>;

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
