import { Module } from '@nestjs/common';
import { BreakGlassModule } from '../breakglass/break-glass.module.js';
import { FpeModule } from '../fpe/fpe.module.js';
import { RateLimitModule } from '../ratelimit/ratelimit.module.js';
import { DetokenizeService } from './detokenize.service.js';
import { TokenMetadataService } from './token-metadata.service.js';
import { TokenRepository } from './token.repository.js';
import { TokenizeService } from './tokenize.service.js';
import { TokensController } from './tokens.controller.js';

/** FpeModule is global: imported here once, it also serves the TokenizeService that DeidModule provides. */
@Module({
  imports: [RateLimitModule, BreakGlassModule, FpeModule],
  controllers: [TokensController],
  providers: [TokenRepository, TokenizeService, DetokenizeService, TokenMetadataService],
})
export class TokensModule {}
