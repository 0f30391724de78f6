import { Module } from '@nestjs/common';
import { BreakGlassModule } from '../breakglass/break-glass.module.js';
import { FpeModule } from '../fpe/fpe.module.js';
import { RateLimitModule } from '../ratelimit/ratelimit.module.js';
import { DetokenizeService } from './detokenize.service.js';
import { TokenMetadataService } from './token-metadata.service.js';
import { TokenRepository } from './token.repository.js';
import { TokenizeService } from './tokenize.service.js';
import { TokenWriter } from './token-writer.js';
import { TokensController } from './tokens.controller.js';

@Module({
  imports: [RateLimitModule, BreakGlassModule, FpeModule],
  controllers: [TokensController],
  providers: [TokenRepository, TokenWriter, TokenizeService, DetokenizeService, TokenMetadataService],
  // One TokenizeService for the vault: it holds the queue of calls sharing transactions (de-identification uses it too).
  exports: [TokenizeService],
})
export class TokensModule {}
