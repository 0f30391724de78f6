import { Module } from '@nestjs/common';
import { ErasureController } from './erasure.controller.js';
import { ErasureRepository } from './erasure.repository.js';
import { ErasureService } from './erasure.service.js';
import { ExpiredTokenPurge } from './expired-token-purge.js';
import { PurgeWorker } from './purge-worker.js';
import { TokenEraser } from './token-eraser.js';

/**
 * Erasure on request and the purge of expired tokens (docs/erasure.md). Imported after PrismaModule,
 * CacheModule and AuditModule: modules are destroyed in reverse order, so the purge worker finishes its batch
 * before the audit log flushes and the database closes.
 */
@Module({
  controllers: [ErasureController],
  providers: [ErasureRepository, TokenEraser, ErasureService, ExpiredTokenPurge, PurgeWorker],
  exports: [ExpiredTokenPurge, PurgeWorker],
})
export class ErasureModule {}
