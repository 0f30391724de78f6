import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { VaultError } from '../common/errors/vault-error.js';
import { toEventView, type AuditEventView } from './audit-event.view.js';
import { AuditQueryRepository } from './audit-query.repository.js';
import { AuditReviewRepository } from './audit-review.repository.js';
import type { ReviewRequest } from './dto/audit-review.dto.js';

/**
 * Review rules: any event may be reviewed (break-glass events are the ones waiting as `pending`); never by
 * the subject who acted in it (403); and once only: a decision is final and a second review answers 409,
 * because a decision that could be overwritten would not be evidence. Reviews are not part of the hash chain.
 */
@Injectable()
export class AuditReviewService {
  constructor(
    private readonly events: AuditQueryRepository,
    private readonly reviews: AuditReviewRepository,
  ) {}

  async review(id: string, request: ReviewRequest, reviewer: Principal): Promise<AuditEventView> {
    const event = await this.events.findById(id);
    if (event === null) throw new VaultError(ErrorCode.NotFound, 'No such audit event.');
    if (event.actor.sub === reviewer.sub) {
      throw new VaultError(ErrorCode.Forbidden, 'A reviewer cannot review an event in which they are the actor.');
    }
    const at = event.review === null ? await this.reviews.insertOnce(event.id, { status: request.decision, reviewer: reviewer.sub, note: request.note }) : null;
    if (at === null) throw new VaultError(ErrorCode.Conflict, 'This event has already been reviewed; a review decision is final.');
    return toEventView({ ...event, review: { status: request.decision, reviewer: reviewer.sub, note: request.note, at } });
  }
}
