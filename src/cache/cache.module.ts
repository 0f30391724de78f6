import { Global, Module } from '@nestjs/common';
import { RedisService } from './redis.service.js';
import { TokenCache } from './token-cache.js';

@Global()
@Module({ providers: [RedisService, TokenCache], exports: [RedisService, TokenCache] })
export class CacheModule {}
