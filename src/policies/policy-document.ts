import { z } from 'zod';
import { TOKEN_TYPES } from '../formats/format.js';

/**
 * A masking policy as callers write it (CONTRACT section 9): an ordered list of field rules. The document is
 * stored as validated and returned as stored; defaults are applied when it is compiled, not here.
 *
 * Rule semantics (docs/deidentification.md): every value of a record is governed by the FIRST rule, in list
 * order, whose path selects the value itself or an element containing it; values no rule selects are kept.
 */

export const ACTIONS = ['tokenize', 'mask', 'redact', 'generalize', 'dateShift', 'hash', 'keep'] as const;
export type Action = (typeof ACTIONS)[number];

/**
 * Value shapes a rule may be narrowed to with `when` (it then only governs string values of that shape).
 * `embedded`: a longer string with one of the identifier shapes (or a full date) inside it.
 */
export const VALUE_KINDS = ['date', 'ssn', 'phone', 'email', 'url', 'ip', 'zip', 'embedded'] as const;
export type ValueKind = (typeof VALUE_KINDS)[number];

export const GENERALIZE_TARGETS = ['year', 'zip3', 'ageband'] as const;
export type GeneralizeTarget = (typeof GENERALIZE_TARGETS)[number];

export const MAX_RULES = 500;
export const MAX_PATH_LENGTH = 512;
export const MAX_DESCRIPTION_LENGTH = 20_000;
export const DATE_SHIFT_MAX_DAYS = 3650;

const common = {
  path: z.string().min(1).max(MAX_PATH_LENGTH),
  when: z.enum(VALUE_KINDS).optional(),
};
const failOrRedact = z.enum(['error', 'redact']).optional();

const TokenizeRule = z.strictObject({
  ...common,
  action: z.literal('tokenize'),
  type: z.enum(TOKEN_TYPES),
  mode: z.enum(['random', 'deterministic']).optional(),
  /** A value that does not fit `type`: fail the line (default), fall back to a `text` token, or redact it. */
  onInvalid: z.enum(['error', 'text', 'redact']).optional(),
});

const GeneralizeRule = z
  .strictObject({
    ...common,
    action: z.literal('generalize'),
    to: z.enum(GENERALIZE_TARGETS),
    /** Birth dates (`to: year`): a year revealing an age of 90 or more becomes the sentinel year. */
    capAge: z.boolean().optional(),
    /** Age bands (`to: ageband`): the band width in years; 90 and over is always one band. */
    width: z.number().int().min(1).max(50).optional(),
    onInvalid: failOrRedact,
  })
  .superRefine((rule, context) => {
    if (rule.capAge !== undefined && rule.to !== 'year') context.addIssue({ code: 'custom', path: ['capAge'], message: 'only applies to generalize to "year"' });
    if (rule.width !== undefined && rule.to !== 'ageband') context.addIssue({ code: 'custom', path: ['width'], message: 'only applies to generalize to "ageband"' });
  });

const DateShiftRule = z.strictObject({
  ...common,
  action: z.literal('dateShift'),
  maxDays: z.number().int().min(1).max(DATE_SHIFT_MAX_DAYS).optional(),
  /** Flat records: a `$.field` path to the patient's identifier (default: the first of patientId, patient, mrn, id). */
  patientKey: z.string().min(2).max(MAX_PATH_LENGTH).optional(),
  onInvalid: failOrRedact,
});

const HashRule = z.strictObject({
  ...common,
  action: z.literal('hash'),
  /** `vault`: HMAC under a vault key (stable across calls); `request`: a random key discarded after the call. */
  key: z.enum(['vault', 'request']).optional(),
});

const PlainRule = (action: 'mask' | 'redact' | 'keep') => z.strictObject({ ...common, action: z.literal(action) });

export const RuleSchema = z.discriminatedUnion('action', [
  TokenizeRule,
  PlainRule('mask'),
  PlainRule('redact'),
  GeneralizeRule,
  DateShiftRule,
  HashRule,
  PlainRule('keep'),
]);

export const PolicyDocumentSchema = z.strictObject({
  description: z.string().max(MAX_DESCRIPTION_LENGTH).optional(),
  /** `normalized`: field names compare case-insensitively, ignoring `_`, `-` and spaces (`First_Name` = `firstname`). */
  fieldNames: z.enum(['exact', 'normalized']).optional(),
  rules: z.array(RuleSchema).min(1).max(MAX_RULES),
});

export type Rule = z.output<typeof RuleSchema>;
export type PolicyDocument = z.output<typeof PolicyDocumentSchema>;
export type TokenizeRuleOptions = Extract<Rule, { action: 'tokenize' }>;
export type GeneralizeRuleOptions = Extract<Rule, { action: 'generalize' }>;
export type DateShiftRuleOptions = Extract<Rule, { action: 'dateShift' }>;
export type HashRuleOptions = Extract<Rule, { action: 'hash' }>;

/** A stored policy as the API returns it. */
export interface MaskingPolicy extends PolicyDocument {
  readonly name: string;
  readonly version: number;
  readonly builtIn: boolean;
  readonly createdAt: Date;
  readonly createdBy: string;
}

export interface MaskingPolicySummary {
  readonly name: string;
  readonly version: number;
  readonly builtIn: boolean;
  readonly updatedAt: Date;
  readonly rules: number;
}

/** Policy names: short, URL-safe, lower case. Tokens get the tag `deid:<name>`, which must fit a 64-character tag. */
export const POLICY_NAME = /^[a-z0-9][a-z0-9._-]{0,47}$/;
export const POLICY_NAME_RULE = 'must be 1 to 48 characters: lower-case letters, digits and . _ - (starting with a letter or digit)';
