import { z } from 'zod';
import { JustificationSchema, PurposeSchema, type Purpose } from '../../tokens/dto/detokenize.dto.js';

/**
 * The body of both DELETE endpoints: why the erasure is done, under the rules of a detokenize call (CONTRACT
 * section 5: a purpose from its list, a justification of 10 to 1000 characters that is not just spaces), with
 * detokenize's own field schemas.
 * A DELETE sent without a body is read as `{}`, so the caller learns that `purpose` and `justification` are
 * required rather than that a body is missing.
 */
export const ErasureRequestSchema = z.preprocess(
  (body) => (body === undefined ? {} : body),
  z.strictObject({ purpose: PurposeSchema, justification: JustificationSchema }),
);

export interface ErasureRequest {
  readonly purpose: Purpose;
  readonly justification: string;
}

/** `DELETE /v1/tokens/{token}`: the audit event that records the erasure, committed with it. */
export interface TokenErasureResponse {
  readonly auditId: string;
  readonly erased: 1;
}

/** `DELETE /v1/patients/{patientRef}/tokens`: one audit event per committed batch, in order. */
export interface PatientErasureResponse {
  readonly auditIds: readonly string[];
  readonly erased: number;
}
