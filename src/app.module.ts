import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AdminModule } from './admin/admin.module.js';
import { AuditModule } from './audit/audit.module.js';
import { AuthModule } from './auth/auth.module.js';
import { CacheModule } from './cache/cache.module.js';
import { ProblemFilter } from './common/errors/problem.filter.js';
import { APP_LOGGER, type AppLogger } from './common/logging/logger.js';
import { VAULT_CONFIG, type VaultConfig } from './config/vault-config.js';
import { CryptoModule } from './crypto/crypto.module.js';
import { DeidModule } from './deid/deid.module.js';
import { ErasureModule } from './erasure/erasure.module.js';
import { HealthModule } from './health/health.module.js';
import { PoliciesModule } from './policies/policies.module.js';
import { PrismaModule } from './prisma/prisma.module.js';
import { TokensModule } from './tokens/tokens.module.js';

@Module({})
export class AppModule {
  /** The configuration is parsed before Nest starts (fail fast) and handed in here, once. */
  static forRoot(config: VaultConfig, logger: AppLogger): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [PrismaModule, CacheModule, CryptoModule, AuditModule, AuthModule, HealthModule, TokensModule, AdminModule, PoliciesModule, DeidModule, ErasureModule],
      providers: [
        { provide: VAULT_CONFIG, useValue: config },
        { provide: APP_LOGGER, useValue: logger },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
      exports: [VAULT_CONFIG, APP_LOGGER],
    };
  }
}
