import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { AppLogger } from '../common/logging/logger.js';
import type { VaultConfig } from '../config/vault-config.js';
import { openEmbeddedDatabase } from './embedded-database.js';

export const DATABASE = Symbol('DATABASE');

/** Which database the vault runs on. The embedded kind exists only in dev mode without DATABASE_URL. */
export interface VaultDatabase {
  readonly kind: 'postgresql' | 'embedded';
  readonly adapter: PrismaPg | Awaited<ReturnType<typeof openEmbeddedDatabase>>['adapter'];
  /** Connections of the PostgreSQL pool right now (for saturation metrics); null for the embedded database. */
  poolUsage(): PoolUsage | null;
  /**
   * Runs one statement on a pool connection, straight through the `pg` driver: its own transaction, the pool's
   * session settings (timeouts) included. For a hot statement whose rows need no Prisma mapping (the audit group
   * commit). null on the embedded database, where Prisma is the only way in.
   */
  readonly statement: ((text: string, values: readonly unknown[]) => Promise<unknown[]>) | null;
  close(): Promise<void>;
}

export interface PoolUsage {
  readonly max: number;
  /** Connections open, idle among them, and callers waiting for one. */
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
}

/**
 * The one place that chooses between a PostgreSQL server and the embedded PGlite.
 *
 * Nothing waits for PostgreSQL without bound (fail closed, not hang): getting a pool connection, or opening one,
 * fails after `databaseTimeouts.connectMs`; and the server ends a vault session left idle inside a transaction
 * for `idleInTransactionMs`, which rolls it back and releases its locks, so a frozen or cut-off vault process
 * can never hold the audit chain lock (or a row lock) for good. Every statement is bounded by `statementMs`
 * and every lock wait by `lockMs` (a table locked by a migration or an operator must not hang requests);
 * audit_append and the re-encryption job's final lock set tighter bounds of their own.
 */
export async function openVaultDatabase(config: VaultConfig, logger: AppLogger): Promise<VaultDatabase> {
  if (config.databaseUrl !== null) {
    const { connectMs, idleInTransactionMs, statementMs, lockMs } = config.databaseTimeouts;
    // The vault's own pool, so its usage can be read; Prisma's $disconnect ends it (disposeExternalPool).
    const pool = new pg.Pool({
      connectionString: config.databaseUrl,
      max: config.databasePoolSize,
      connectionTimeoutMillis: connectMs,
      statement_timeout: statementMs,
      lock_timeout: lockMs,
      ...(idleInTransactionMs > 0 ? { idle_in_transaction_session_timeout: idleInTransactionMs } : {}),
    });
    return {
      kind: 'postgresql',
      adapter: new PrismaPg(pool, { disposeExternalPool: true }),
      poolUsage: () => ({ max: config.databasePoolSize, total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
      statement: async (text, values) => (await pool.query(text, values as unknown[])).rows,
      close: async () => undefined,
    };
  }
  const embedded = await openEmbeddedDatabase(config.stateDir);
  for (const migration of embedded.migrations.applied) logger.info({ migration }, 'embedded database migrated');
  return { kind: 'embedded', adapter: embedded.adapter, poolUsage: () => null, statement: null, close: () => embedded.close() };
}
