import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { applyMigrations, type MigrationConnection, type MigrationReport } from './migrator.js';

/**
 * Dev mode without DATABASE_URL: PostgreSQL compiled to WebAssembly (PGlite), data under `<stateDir>/pgdata`.
 *
 * Where it differs from a PostgreSQL server, and why the vault's code does not need to care:
 * - One connection, one process. PGlite runs every query and transaction behind one mutex, so the vault's
 *   transactions are serialized rather than concurrent (isolation holds; throughput is a trial's).
 * - Advisory locks are per session and there is one session, so they are always granted at once; they only
 *   matter between processes, and a lock file keeps a second process off the data directory.
 * - Migrations are the same SQL files, applied by the same runner, at every start.
 */
export interface EmbeddedDatabase {
  readonly adapter: PrismaPGlite;
  readonly migrations: MigrationReport;
  close(): Promise<void>;
}

export async function openEmbeddedDatabase(stateDir: string): Promise<EmbeddedDatabase> {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const release = lockDataDirectory(join(stateDir, 'pgdata.lock'));
  try {
    const pglite = await PGlite.create(join(stateDir, 'pgdata'));
    const migrations = await applyMigrations(migrationConnection(pglite));
    return {
      adapter: new PrismaPGlite(pglite),
      migrations,
      close: async () => {
        await pglite.close();
        release();
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}

/** `npm run db:migrate` in dev mode: open, migrate, close. */
export async function migrateEmbeddedDatabase(stateDir: string): Promise<MigrationReport> {
  const database = await openEmbeddedDatabase(stateDir);
  await database.close();
  return database.migrations;
}

function migrationConnection(pglite: PGlite): MigrationConnection {
  return {
    exec: async (sql) => {
      await pglite.exec(sql);
    },
    query: async <Row>(sql: string, params?: readonly unknown[]) => (await pglite.query<Row>(sql, params as unknown[])).rows,
  };
}

/** PGlite must never be opened by two processes: the data directory would be corrupted. */
function lockDataDirectory(lockFile: string): () => void {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(lockFile, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(lockFile, 'utf8'));
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new Error(`the embedded database is in use by process ${holder}; dev mode without DATABASE_URL is for one process on one machine`);
      }
      if (existsSync(lockFile)) rmSync(lockFile, { force: true }); // left behind by a process that died
    }
  }
  throw new Error('could not lock the embedded database directory');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
