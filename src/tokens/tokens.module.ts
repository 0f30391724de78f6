import { Module } from '@nestjs/common';
import { BreakGlassModule } from '../breakglass/break-glass.module.js';
import { RateLimitModule } from '../ratelimit/ratelimit.module.js';
import { DetokenizeService } from './detokenize.service.js';
import { TokenMetadataService } from './token-metadata.service.js';
import { TokenRepository } from './token.repository.js';
import { TokenizeService } from './tokenize.service.js';
import { TokensController } from './tokens.controller.js';

@Module({
  imports: [RateLimitModule, BreakGlassModule],
  controllers: [TokensController],
  providers: [TokenRepository, TokenizeService, DetokenizeService, TokenMetadataService],
})
export class TokensModule {}
