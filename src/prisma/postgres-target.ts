import pg from 'pg';
import type { MigrationConnection } from './migrator.js';

/** Connects with the `pg` driver, for migrations and administration (the service itself goes through Prisma). */
export async function connectPg(databaseUrl: string): Promise<MigrationConnection & { end(): Promise<void> }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  return {
    exec: async (sql) => {
      await client.query(sql);
    },
    query: async <Row>(sql: string, params?: readonly unknown[]) => (await client.query(sql, params as unknown[])).rows as Row[],
    end: () => client.end(),
  };
}

export function databaseNameOf(databaseUrl: string): string {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, ''));
  if (name === '') throw new Error('DATABASE_URL names no database');
  return name;
}

/** Our advisory-lock class for CREATE DATABASE (the second key is the name's hash); distinct from Prisma's migration lock. */
const CREATE_DATABASE_LOCK = 72707370;

/**
 * The two ways PostgreSQL says a concurrent CREATE DATABASE won: 42P04 (duplicate_database, seen after the
 * catalog check) or 23505 (unique_violation on pg_database's name index, when both passed the check at once).
 */
const ALREADY_CREATED = new Set(['42P04', '23505']);

/**
 * Creates the database named in the URL when it does not exist, connecting to the server's `postgres`
 * database to do so; true when this call created it. Race-safe: instances starting together serialise on an
 * advisory lock of the server's `postgres` database, so one creates and the others then find it; a creator
 * that takes no lock (another tool, a person) is recognised by the error codes above.
 */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const name = databaseNameOf(databaseUrl);
  const adminUrl = new URL(databaseUrl);
  adminUrl.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  try {
    await admin.query('SELECT pg_advisory_lock($1, hashtext($2))', [CREATE_DATABASE_LOCK, name]);
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount !== 0) return false;
    try {
      // CREATE DATABASE cannot run in a transaction; the session-level lock above spans it.
      await admin.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
      return true;
    } catch (error) {
      if (ALREADY_CREATED.has((error as { code?: string }).code ?? '')) return false;
      throw error;
    }
  } finally {
    // Ending the session releases the advisory lock.
    await admin.end();
  }
}

export function quoteIdentifier(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}
