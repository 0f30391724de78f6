import { z } from 'zod';
import { REVIEW_DECISIONS } from '../audit-event.js';

/** POST /v1/audit/events/{id}/review. */
export const ReviewRequestSchema = z.strictObject({
  decision: z.enum(REVIEW_DECISIONS),
  note: z.string().trim().min(1).max(2000),
});
export type ReviewRequest = z.output<typeof ReviewRequestSchema>;
