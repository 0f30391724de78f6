import { Global, Module } from '@nestjs/common';
import { APP_LOGGER, type AppLogger } from '../common/logging/logger.js';
import { VAULT_CONFIG, type VaultConfig } from '../config/vault-config.js';
import { DATABASE, openVaultDatabase } from './database-adapter.js';
import { DatabaseProbe } from './database-probe.js';
import { PoolMetrics } from './pool-metrics.js';
import { PrismaService } from './prisma.service.js';

@Global()
@Module({
  providers: [
    { provide: DATABASE, useFactory: (config: VaultConfig, logger: AppLogger) => openVaultDatabase(config, logger), inject: [VAULT_CONFIG, APP_LOGGER] },
    PrismaService,
    DatabaseProbe,
    PoolMetrics,
  ],
  exports: [PrismaService, DatabaseProbe],
})
export class PrismaModule {}
