import { PrismaPg } from '@prisma/adapter-pg';
import type { AppLogger } from '../common/logging/logger.js';
import type { VaultConfig } from '../config/vault-config.js';
import { openEmbeddedDatabase } from './embedded-database.js';

export const DATABASE = Symbol('DATABASE');

/** Which database the vault runs on. The embedded kind exists only in dev mode without DATABASE_URL. */
export interface VaultDatabase {
  readonly kind: 'postgresql' | 'embedded';
  readonly adapter: PrismaPg | Awaited<ReturnType<typeof openEmbeddedDatabase>>['adapter'];
  close(): Promise<void>;
}

/** The one place that chooses between a PostgreSQL server and the embedded PGlite. */
export async function openVaultDatabase(config: VaultConfig, logger: AppLogger): Promise<VaultDatabase> {
  if (config.databaseUrl !== null) {
    return {
      kind: 'postgresql',
      adapter: new PrismaPg({ connectionString: config.databaseUrl, max: config.databasePoolSize }),
      close: async () => undefined,
    };
  }
  const embedded = await openEmbeddedDatabase(config.stateDir);
  for (const migration of embedded.migrations.applied) logger.info({ migration }, 'embedded database migrated');
  return { kind: 'embedded', adapter: embedded.adapter, close: () => embedded.close() };
}
