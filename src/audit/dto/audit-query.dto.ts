import { z } from 'zod';
import { PURPOSES } from '../../tokens/dto/detokenize.dto.js';
import { AUDIT_ACTIONS } from '../audit-event.js';

export const MAX_PAGE = 500;
export const DEFAULT_PAGE = 100;

/** An instant in ISO 8601: a date-time with a zone (`Z` or an offset), or a date (its midnight UTC). */
const instant = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()], { error: 'must be an ISO 8601 date or date-time with a time zone' })
  .transform((text) => new Date(text));

/** A positive decimal integer as a query string carries it. */
const positiveInteger = (max: bigint) =>
  z
    .string()
    .regex(/^[1-9][0-9]{0,18}$/, `must be an integer from 1 to ${max}`)
    .transform((text) => BigInt(text))
    .refine((value) => value <= max, `must be an integer from 1 to ${max}`);

const MAX_SEQ = 2n ** 53n - 1n;

/**
 * The opaque paging cursor: base64url of `seq:<n>`, the seq of the last event of the page before. It only
 * marks a position, so a cursor reused with other filters is harmless.
 */
export function encodeCursor(seq: bigint): string {
  return Buffer.from(`seq:${seq}`).toString('base64url');
}

export function decodeCursor(cursor: string): bigint | null {
  const match = /^seq:([1-9][0-9]{0,18})$/.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  return match === null ? null : BigInt(match[1]);
}

const cursor = z
  .string()
  .max(64, 'is not a cursor this API issued')
  .transform((text, context) => {
    const seq = /^[A-Za-z0-9_-]+$/.test(text) ? decodeCursor(text) : null;
    if (seq === null) {
      context.addIssue({ code: 'custom', message: 'is not a cursor this API issued' });
      return z.NEVER;
    }
    return seq;
  });

/**
 * An action name. Not an enum: besides the contract's actions (AUDIT_ACTIONS) other modules record their own
 * (`deidentify`, `masking_policy_save`, ...), and each must be filterable.
 */
const actionName = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, `must be an action name such as ${AUDIT_ACTIONS.join(', ')}`);

const range = { from: instant.optional(), to: instant.optional() };
const toAfterFrom = (query: { from?: Date; to?: Date }) => query.from === undefined || query.to === undefined || query.to > query.from;
const TO_AFTER_FROM = { path: ['to'], message: 'must be later than from' };

/** GET /v1/audit/events. Unknown parameters are refused: a misspelt filter must not silently widen the answer. */
export const AuditListQuerySchema = z
  .strictObject({
    actor: z.string().min(1).max(256).optional(),
    action: actionName.optional(),
    purpose: z.enum(PURPOSES).optional(),
    breakGlass: z
      .enum(['true', 'false'])
      .transform((flag) => flag === 'true')
      .optional(),
    review: z.enum(['pending', 'approved', 'violation']).optional(),
    token: z.string().min(1).max(1024).optional(),
    ...range,
    limit: positiveInteger(BigInt(MAX_PAGE))
      .transform((value) => Number(value))
      .optional(),
    cursor: cursor.optional(),
  })
  .refine(toAfterFrom, TO_AFTER_FROM);
export type AuditListQuery = z.output<typeof AuditListQuerySchema>;

/**
 * GET /v1/audit/verify. With `events` (and optionally `head`), also checks a head exported earlier: that
 * many events must still exist and the hash at that seq must still be `head`, which is how a removed or
 * rewritten tail is detected.
 */
export const AuditVerifyQuerySchema = z
  .strictObject({
    head: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits (a SHA-256)')
      .transform((hex) => Buffer.from(hex, 'hex'))
      .optional(),
    events: positiveInteger(MAX_SEQ).optional(),
  })
  .refine((query) => query.head === undefined || query.events !== undefined, {
    path: ['events'],
    message: 'is required with head: the number of events the head was exported at',
  });
export type AuditVerifyQuery = z.output<typeof AuditVerifyQuerySchema>;

/** GET /v1/audit/export: `from` inclusive, `to` exclusive; both optional. */
export const AuditExportQuerySchema = z.strictObject(range).refine(toAfterFrom, TO_AFTER_FROM);
export type AuditExportQuery = z.output<typeof AuditExportQuerySchema>;
