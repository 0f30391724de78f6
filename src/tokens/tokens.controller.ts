import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { CurrentPrincipal } from '../auth/current-principal.decorator.js';
import { SCOPES, type Principal } from '../auth/principal.js';
import { RequiresScope } from '../auth/requires-scope.decorator.js';
import { ZodPipe } from '../common/validation/zod-body.pipe.js';
import { DetokenizeService } from './detokenize.service.js';
import { DetokenizeRequestSchema, type DetokenizeRequest, type DetokenizeResponse } from './dto/detokenize.dto.js';
import { TokenizeRequestSchema, type TokenizeRequest, type TokenizeResponse } from './dto/tokenize.dto.js';
import { TokenMetadataService, type TokenMetadata } from './token-metadata.service.js';
import { TokenizeService } from './tokenize.service.js';

@Controller('v1')
export class TokensController {
  constructor(
    private readonly tokenizer: TokenizeService,
    private readonly detokenizer: DetokenizeService,
    private readonly metadata: TokenMetadataService,
  ) {}

  @Post('tokenize')
  @HttpCode(200)
  @RequiresScope(SCOPES.tokenize)
  tokenize(@Body(new ZodPipe(TokenizeRequestSchema)) request: TokenizeRequest, @CurrentPrincipal() principal: Principal): Promise<TokenizeResponse> {
    return this.tokenizer.tokenize(request, principal);
  }

  @Post('detokenize')
  @HttpCode(200)
  @RequiresScope(SCOPES.detokenize)
  detokenize(@Body(new ZodPipe(DetokenizeRequestSchema)) request: DetokenizeRequest, @CurrentPrincipal() principal: Principal): Promise<DetokenizeResponse> {
    return this.detokenizer.detokenize(request, principal);
  }

  @Get('tokens/:token')
  @RequiresScope(SCOPES.tokenize)
  describe(@Param('token') token: string): Promise<TokenMetadata> {
    return this.metadata.describe(token);
  }
}
