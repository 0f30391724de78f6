import { Controller, Get, Header, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { RedisService } from '../cache/redis.service.js';
import { Public } from '../auth/public.decorator.js';
import { DatabaseProbe } from '../prisma/database-probe.js';
import { PrismaService } from '../prisma/prisma.service.js';
import { MetricsService } from './metrics.service.js';

@Controller()
@Public()
export class HealthController {
  constructor(
    private readonly database: DatabaseProbe,
    private readonly prisma: PrismaService,
    private readonly redis: RedisService,
    private readonly metrics: MetricsService,
  ) {}

  @Get('health/live')
  live() {
    return { status: 'ok' };
  }

  /**
   * Ready while PostgreSQL answers. Redis only speeds the vault up, so without it readiness says `degraded`
   * and still answers 200; without PostgreSQL it is `down` and 503.
   */
  @Get('health/ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const [postgres, redis] = await Promise.all([this.database.isUp(), this.redis.ping()]);
    const redisState = this.redis.client === null ? 'in-process' : redis ? 'up' : 'down';
    const status = !postgres ? 'down' : redisState === 'down' ? 'degraded' : 'ok';
    void reply.status(postgres ? 200 : 503);
    return {
      status,
      checks: { postgres: postgres ? 'up' : 'down', redis: redisState },
      backends: {
        database: this.prisma.databaseKind === 'embedded' ? 'embedded PostgreSQL (PGlite, one process only)' : 'postgresql',
        cache: this.redis.client === null ? 'in-process (one process only)' : 'redis',
      },
    };
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
