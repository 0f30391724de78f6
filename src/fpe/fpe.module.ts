import { Module } from '@nestjs/common';
import { FpeService } from './fpe.service.js';

/** Vaultless FF1 tokens; TokensModule (tokenize and detokenize) is its only user. */
@Module({ providers: [FpeService], exports: [FpeService] })
export class FpeModule {}
