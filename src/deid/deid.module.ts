import { Module } from '@nestjs/common';
import { PoliciesModule } from '../policies/policies.module.js';
import { TokenRepository } from '../tokens/token.repository.js';
import { TokenizeService } from '../tokens/tokenize.service.js';
import { DeidentifyController } from './deidentify.controller.js';
import { DeidentifyService } from './deidentify.service.js';

/**
 * Streaming de-identification. TokenizeService is provided here as well because TokensModule does not export
 * it; it is stateless over the shared PrismaService, KeyringService and AuditLog, so a second instance stores
 * and audits exactly as the first.
 */
@Module({
  imports: [PoliciesModule],
  controllers: [DeidentifyController],
  providers: [TokenRepository, TokenizeService, DeidentifyService],
})
export class DeidModule {}
