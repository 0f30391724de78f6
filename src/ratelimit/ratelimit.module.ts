import { Module } from '@nestjs/common';
import { RedisService } from '../cache/redis.service.js';
import { LIMIT_STORE, type LimitStore } from './limit-store.js';
import { LimitMetrics } from './limit-metrics.js';
import { DetokenizeRateLimit } from './detokenize-rate-limit.js';
import { LimitsService } from './limits.service.js';
import { MemoryLimitStore } from './memory-limit-store.js';
import { RedisLimitStore } from './redis-limit-store.js';

/** Limits shared through Redis when REDIS_URL is set; per process otherwise (dev mode). */
@Module({
  providers: [
    {
      provide: LIMIT_STORE,
      inject: [RedisService],
      useFactory: (redis: RedisService): LimitStore => (redis.client === null ? new MemoryLimitStore() : new RedisLimitStore(redis.client)),
    },
    LimitMetrics,
    LimitsService,
    DetokenizeRateLimit,
  ],
  exports: [LimitsService, DetokenizeRateLimit],
})
export class RateLimitModule {}
