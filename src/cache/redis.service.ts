import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Redis } from 'ioredis';
import { VAULT_CONFIG, type VaultConfig } from '../config/vault-config.js';
import { APP_LOGGER, type AppLogger } from '../common/logging/logger.js';

/**
 * The shared Redis connection. The vault must keep working while Redis is away, so commands fail fast
 * instead of queueing (no offline queue, one retry), and the client reconnects in the background forever.
 */
@Injectable()
export class RedisService implements OnModuleDestroy {
  readonly client: Redis | null;

  constructor(@Inject(VAULT_CONFIG) config: VaultConfig, @Inject(APP_LOGGER) logger: AppLogger) {
    if (config.redisUrl === null) {
      this.client = null;
      return;
    }
    this.client = new Redis(config.redisUrl, {
      keyPrefix: config.redisKeyPrefix,
      lazyConnect: false,
      // Off: ioredis keeps its auto-pipelines in a Map that every command passes through, which keeps each
      // request's objects alive until a full collection (see SlotTable). Concurrent cache reads share one MGET
      // instead (RedisCacheStore), and the writes that come in groups are explicit pipelines.
      enableAutoPipelining: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      commandTimeout: 1_000,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    });
    // Connection errors are expected during an outage; they carry host names, never data.
    this.client.on('error', (error: Error & { code?: string }) => logger.debug({ redis: error.code ?? error.name }, 'redis connection error'));
  }

  get isReady(): boolean {
    return this.client?.status === 'ready';
  }

  async ping(): Promise<boolean> {
    if (this.client === null || !this.isReady) return false;
    try {
      return (await this.client.ping()) === 'PONG';
    } catch {
      return false; // unreachable counts as down; readiness reports it
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.client?.disconnect();
  }
}
