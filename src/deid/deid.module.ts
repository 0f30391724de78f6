import { Module } from '@nestjs/common';
import { PoliciesModule } from '../policies/policies.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { DeidentifyController } from './deidentify.controller.js';
import { DeidentifyService } from './deidentify.service.js';

/** Streaming de-identification; it tokenizes through the vault's one TokenizeService (TokensModule). */
@Module({
  imports: [PoliciesModule, TokensModule],
  controllers: [DeidentifyController],
  providers: [DeidentifyService],
})
export class DeidModule {}
