import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { applyMigrations, readMigrations } from '../../src/prisma/migrator.js';
import { connectPg, ensureDatabase, quoteIdentifier } from '../../src/prisma/postgres-target.js';
import { adminDatabaseUrl, databaseUrlFor } from '../support/database-urls.js';
import { runToExit, type ProcessRun } from '../support/run-to-exit.js';
import { inject } from 'vitest';

const created: string[] = [];
const freshName = () => {
  const name = `phi_vault_t_${inject('runId')}_mig_${created.length}_${process.pid}`;
  created.push(name);
  return name;
};

afterAll(async () => {
  const admin = await connectPg(adminDatabaseUrl());
  for (const name of created) await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
  await admin.end();
});

const MIGRATE_CLI = fileURLToPath(new URL('../../dist/cli/db-migrate.js', import.meta.url));

/** `npm run db:migrate` without npm: the built CLI, as the Docker image's CMD runs it. */
function runMigrateCli(databaseUrl: string): Promise<ProcessRun> {
  return runToExit(process.execPath, [MIGRATE_CLI], { env: { DATABASE_URL: databaseUrl } });
}

async function tablesOf(url: string): Promise<string[]> {
  const connection = await connectPg(url);
  const rows = await connection.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
  await connection.end();
  return rows.map((row) => row.tablename);
}

describe('db:migrate (the project\'s migration runner)', () => {
  it('creates the database when it does not exist, and only then', async () => {
    const url = databaseUrlFor(freshName());
    expect(await ensureDatabase(url)).toBe(true);
    expect(await ensureDatabase(url)).toBe(false);
  });

  it('creates a missing database exactly once when 6 callers race for it, and every caller succeeds', async () => {
    const url = databaseUrlFor(freshName());
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => ensureDatabase(url)));
    expect(results.map((result) => result.status)).toEqual(Array(6).fill('fulfilled'));
    const created = results.map((result) => (result as PromiseFulfilledResult<boolean>).value);
    expect(created.filter(Boolean)).toHaveLength(1);
    expect(await tablesOf(url)).toEqual([]); // it exists and is reachable
  });

  it('two `db:migrate` processes started together on a missing database both succeed', async () => {
    const url = databaseUrlFor(freshName());
    const runs = await Promise.all([runMigrateCli(url), runMigrateCli(url)]);
    for (const run of runs) expect(run, run.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(runs.filter((run) => run.stdout.includes('created database'))).toHaveLength(1);
    expect(runs.map((run) => run.stdout).join('')).toContain(`(${readMigrations().length} migrations)`);
    const check = await connectPg(url);
    const [{ n }] = await check.query<{ n: string }>('SELECT count(*) AS n FROM "_prisma_migrations"');
    await check.end();
    expect(Number(n)).toBe(readMigrations().length);
  });

  it('applies every migration once, recording each exactly as prisma migrate deploy does', async () => {
    const url = databaseUrlFor(freshName());
    await ensureDatabase(url);
    const connection = await connectPg(url);
    const first = await applyMigrations(connection);
    const migrations = readMigrations();
    expect(first.applied).toEqual(migrations.map((m) => m.name));
    const second = await applyMigrations(connection);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toBe(migrations.length);

    const rows = await connection.query<{ migration_name: string; checksum: string; finished_at: Date | null; rolled_back_at: Date | null; applied_steps_count: number; logs: string | null; id: string }>(
      'SELECT * FROM "_prisma_migrations" ORDER BY migration_name',
    );
    await connection.end();
    expect(rows.map((r) => r.migration_name)).toEqual(migrations.map((m) => m.name));
    for (const [index, row] of rows.entries()) {
      expect(row.checksum).toBe(createHash('sha256').update(migrations[index].sql).digest('hex'));
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
      expect(row.logs).toBeNull();
      expect(row.applied_steps_count).toBe(1);
      expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(await tablesOf(url)).toEqual(expect.arrayContaining(['_prisma_migrations', 'audit_events', 'tokens', 'wrapped_keys']));
  });

  it('lets several instances migrate at once: each migration is applied exactly once', async () => {
    const url = databaseUrlFor(freshName());
    await ensureDatabase(url);
    const connections = await Promise.all(Array.from({ length: 4 }, () => connectPg(url)));
    const reports = await Promise.all(connections.map((connection) => applyMigrations(connection)));
    await Promise.all(connections.map((connection) => connection.end()));
    const appliedCounts = reports.map((report) => report.applied.length);
    expect(appliedCounts.reduce((a, b) => a + b, 0)).toBe(readMigrations().length);
    const check = await connectPg(url);
    const [{ n }] = await check.query<{ n: string }>('SELECT count(*) AS n FROM "_prisma_migrations"');
    await check.end();
    expect(Number(n)).toBe(readMigrations().length);
  });

  it('leaves neither schema nor record behind when a migration fails, and names it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'phi-vault-migrations-'));
    mkdirSync(join(dir, '20990101000000_good'));
    writeFileSync(join(dir, '20990101000000_good', 'migration.sql'), 'CREATE TABLE good_one (id int);');
    mkdirSync(join(dir, '20990101000001_bad'));
    writeFileSync(join(dir, '20990101000001_bad', 'migration.sql'), 'CREATE TABLE half_done (id int);\nSELECT no_such_function();');
    const url = databaseUrlFor(freshName());
    await ensureDatabase(url);
    const connection = await connectPg(url);
    await expect(applyMigrations(connection, readMigrations(dir))).rejects.toThrow(/20990101000001_bad failed/);
    const records = await connection.query<{ migration_name: string }>('SELECT migration_name FROM "_prisma_migrations"');
    await connection.end();
    expect(records.map((r) => r.migration_name)).toEqual(['20990101000000_good']);
    expect(await tablesOf(url)).not.toContain('half_done');
  });

  it('reports a migration edited after it was applied', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'phi-vault-migrations-'));
    mkdirSync(join(dir, '20990101000000_one'));
    writeFileSync(join(dir, '20990101000000_one', 'migration.sql'), 'CREATE TABLE one (id int);');
    const url = databaseUrlFor(freshName());
    await ensureDatabase(url);
    const connection = await connectPg(url);
    await applyMigrations(connection, readMigrations(dir));
    writeFileSync(join(dir, '20990101000000_one', 'migration.sql'), 'CREATE TABLE one (id bigint);');
    const report = await applyMigrations(connection, readMigrations(dir));
    await connection.end();
    expect(report.checksumMismatches).toEqual(['20990101000000_one']);
  });
});
