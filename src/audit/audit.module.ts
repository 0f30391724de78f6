import { Global, Module } from '@nestjs/common';
import { AuditExportService } from './audit-export.service.js';
import { AuditLog } from './audit-log.service.js';
import { AuditQueryRepository } from './audit-query.repository.js';
import { AuditQueryService } from './audit-query.service.js';
import { AuditReviewRepository } from './audit-review.repository.js';
import { AuditReviewService } from './audit-review.service.js';
import { AuditVerifyService } from './audit-verify.service.js';
import { AuditController } from './audit.controller.js';
import { AuditRepository } from './audit.repository.js';

/**
 * Global so every domain can append. Must stay imported after PrismaModule: modules are destroyed in
 * reverse order, and AuditLog flushes its waiting batch before the database connection closes.
 */
@Global()
@Module({
  controllers: [AuditController],
  providers: [AuditRepository, AuditLog, AuditQueryRepository, AuditReviewRepository, AuditQueryService, AuditReviewService, AuditVerifyService, AuditExportService],
  exports: [AuditLog],
})
export class AuditModule {}
