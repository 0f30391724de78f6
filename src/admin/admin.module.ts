import { Module } from '@nestjs/common';
import { JobsRepository } from './jobs.repository.js';
import { KeyRotationService } from './key-rotation.service.js';
import { KeyStatusRepository } from './key-status.repository.js';
import { KeysController } from './keys.controller.js';
import { ReencryptJobsService } from './reencrypt-jobs.service.js';
import { ReencryptWorker } from './reencrypt-worker.js';

/**
 * Key rotation and re-encryption jobs. Imported after PrismaModule and AuditModule: modules are destroyed in
 * reverse order, so the worker finishes its batch before the audit log flushes and the database closes.
 */
@Module({
  controllers: [KeysController],
  providers: [JobsRepository, KeyStatusRepository, KeyRotationService, ReencryptJobsService, ReencryptWorker],
})
export class AdminModule {}
