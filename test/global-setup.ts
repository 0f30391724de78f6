import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { applyMigrations } from '../src/prisma/migrator.js';
import { connectPg, quoteIdentifier } from '../src/prisma/postgres-target.js';
import { adminDatabaseUrl, databaseUrlFor } from './support/database-urls.js';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
    runId: string;
  }
}

/**
 * Migrates one template database per test run; every test file then clones it (CREATE DATABASE ... TEMPLATE),
 * which takes milliseconds and lets files run in parallel on databases of their own.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Some tests run the built server as a child process, as production does. `npm test` has already built
  // (and failed on type errors); a direct `vitest` run only warns here, and those tests say what is missing.
  const build = spawnSync(process.execPath, ['scripts/ensure-build.mjs'], { stdio: 'inherit' });
  if (build.status !== 0) process.stderr.write('global-setup: build failed; tests that run dist/main.js may fail\n');
  const runId = randomBytes(4).toString('hex');
  const template = `phi_vault_tpl_${runId}`;
  const admin = await connectPg(adminDatabaseUrl());
  await admin.query(`CREATE DATABASE ${quoteIdentifier(template)}`);
  const connection = await connectPg(databaseUrlFor(template));
  await applyMigrations(connection);
  await connection.end();
  await admin.end();
  project.provide('templateDatabase', template);
  project.provide('runId', runId);

  return async () => {
    const cleanup = await connectPg(adminDatabaseUrl());
    const leftovers = await cleanup.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname = $2`,
      [`phi_vault_t_${runId}_%`, template],
    );
    for (const { datname } of leftovers) await cleanup.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(datname)} WITH (FORCE)`);
    await cleanup.end();
  };
}
