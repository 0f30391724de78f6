import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma/prisma.service.js';
import type { ReviewDecision } from './audit-event.js';

@Injectable()
export class AuditReviewRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Records a decision on an event and answers when it was recorded. One decision per event, ever: null when
   * the event already has one (also when a concurrent review won the race). The row is append-only (trigger).
   */
  async insertOnce(eventId: string, review: { status: ReviewDecision; reviewer: string; note: string }): Promise<Date | null> {
    const inserted = await this.prisma.$queryRaw<{ at: Date }[]>`
      INSERT INTO audit_reviews (event_id, status, reviewer, note)
      VALUES (${eventId}::uuid, ${review.status}, ${review.reviewer}, ${review.note})
      ON CONFLICT (event_id) DO NOTHING
      RETURNING at`;
    return inserted.length === 1 ? inserted[0].at : null;
  }
}
