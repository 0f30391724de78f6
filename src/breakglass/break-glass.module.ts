import { Module } from '@nestjs/common';
import { RateLimitModule } from '../ratelimit/ratelimit.module.js';
import { BreakGlassService } from './break-glass.service.js';

@Module({ imports: [RateLimitModule], providers: [BreakGlassService], exports: [BreakGlassService] })
export class BreakGlassModule {}
