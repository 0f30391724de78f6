import { Global, Module } from '@nestjs/common';
import { FpeService } from './fpe.service.js';

/**
 * Global because TokenizeService is provided by more than one module (TokensModule, DeidModule), and each
 * instance hands fpe requests to the one FpeService.
 */
@Global()
@Module({ providers: [FpeService], exports: [FpeService] })
export class FpeModule {}
