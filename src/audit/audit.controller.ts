import { Body, Controller, Get, HttpCode, Param, Post, Query, type StreamableFile } from '@nestjs/common';
import { CurrentPrincipal } from '../auth/current-principal.decorator.js';
import { SCOPES, type Principal } from '../auth/principal.js';
import { RequiresScope } from '../auth/requires-scope.decorator.js';
import { ZodPipe } from '../common/validation/zod-body.pipe.js';
import type { AuditEventView } from './audit-event.view.js';
import { AuditExportService } from './audit-export.service.js';
import { AuditQueryService, type AuditEventPage } from './audit-query.service.js';
import { AuditReviewService } from './audit-review.service.js';
import { AuditVerifyService, type VerifyReport } from './audit-verify.service.js';
import {
  AuditExportQuerySchema,
  AuditListQuerySchema,
  AuditVerifyQuerySchema,
  type AuditExportQuery,
  type AuditListQuery,
  type AuditVerifyQuery,
} from './dto/audit-query.dto.js';
import { ReviewRequestSchema, type ReviewRequest } from './dto/audit-review.dto.js';

/** The compliance API (CONTRACT section 6). */
@Controller('v1/audit')
export class AuditController {
  constructor(
    private readonly queries: AuditQueryService,
    private readonly reviews: AuditReviewService,
    private readonly verifier: AuditVerifyService,
    private readonly exporter: AuditExportService,
  ) {}

  @Get('events')
  @RequiresScope(SCOPES.auditRead)
  list(@Query(new ZodPipe(AuditListQuerySchema)) query: AuditListQuery): Promise<AuditEventPage> {
    return this.queries.list(query);
  }

  @Get('events/:id')
  @RequiresScope(SCOPES.auditRead)
  get(@Param('id') id: string): Promise<AuditEventView> {
    return this.queries.get(id);
  }

  @Post('events/:id/review')
  @HttpCode(200)
  @RequiresScope(SCOPES.auditReview)
  review(@Param('id') id: string, @Body(new ZodPipe(ReviewRequestSchema)) request: ReviewRequest, @CurrentPrincipal() reviewer: Principal): Promise<AuditEventView> {
    return this.reviews.review(id, request, reviewer);
  }

  @Get('verify')
  @RequiresScope(SCOPES.auditRead)
  verify(@Query(new ZodPipe(AuditVerifyQuerySchema)) query: AuditVerifyQuery): Promise<VerifyReport> {
    return this.verifier.verify(query);
  }

  @Get('export')
  @RequiresScope(SCOPES.auditRead)
  export(@Query(new ZodPipe(AuditExportQuerySchema)) query: AuditExportQuery): Promise<StreamableFile> {
    return this.exporter.open(query);
  }
}
