import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The little a migration run needs from a connection; pg and the embedded PGlite both provide it. */
export interface MigrationConnection {
  /** Runs a script of several statements (simple query protocol). */
  exec(sql: string): Promise<void>;
  query<Row>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
}

export interface Migration {
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

export interface MigrationReport {
  readonly applied: readonly string[];
  readonly alreadyApplied: number;
  readonly checksumMismatches: readonly string[];
}

/** The lock `prisma migrate` takes, so our runner and Prisma's never apply migrations at the same time. */
export const PRISMA_MIGRATION_LOCK = 72707369;

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../prisma/migrations/', import.meta.url));

/** Migrations in Prisma's layout: `<timestamp>_<name>/migration.sql`, applied in name order. */
export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory())
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
}

/**
 * Applies every migration not yet recorded in `_prisma_migrations`, recording each exactly as
 * `prisma migrate deploy` does, so either tool can take over from the other. Safe to run twice and from
 * several processes at once (Prisma's advisory lock). Each migration runs in its own transaction with its
 * record, so a failed migration leaves neither half-applied schema nor a record behind.
 */
export async function applyMigrations(connection: MigrationConnection, migrations = readMigrations()): Promise<MigrationReport> {
  await connection.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATION_LOCK]);
  try {
    await connection.exec(CREATE_MIGRATIONS_TABLE);
    const rows = await connection.query<AppliedRow>(
      'SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL',
    );
    const failed = rows.filter((row) => row.finished_at === null).map((row) => row.migration_name);
    if (failed.length > 0) {
      throw new Error(`migration ${failed.join(', ')} failed earlier and is not resolved; see \`prisma migrate resolve\``);
    }
    const applied = new Map(rows.map((row) => [row.migration_name, row.checksum]));
    const checksumMismatches = migrations.filter((m) => applied.has(m.name) && applied.get(m.name) !== m.checksum).map((m) => m.name);
    const pending = migrations.filter((m) => !applied.has(m.name));
    for (const migration of pending) {
      await applyOne(connection, migration);
    }
    return { applied: pending.map((m) => m.name), alreadyApplied: applied.size, checksumMismatches };
  } finally {
    await connection.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATION_LOCK]);
  }
}

async function applyOne(connection: MigrationConnection, migration: Migration): Promise<void> {
  const startedAt = new Date();
  await connection.exec('BEGIN');
  try {
    await connection.exec(migration.sql);
    await connection.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
       VALUES ($1, $2, now(), $3, NULL, NULL, $4, 1)`,
      [randomUUID(), migration.checksum, migration.name, startedAt],
    );
    await connection.exec('COMMIT');
  } catch (error) {
    await connection.exec('ROLLBACK');
    throw new Error(`migration ${migration.name} failed: ${(error as Error).message}`);
  }
}
