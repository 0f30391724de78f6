import { ConfigError, databaseTargetOf } from '../config/load-config.js';
import { migrateEmbeddedDatabase } from '../prisma/embedded-database.js';
import { applyMigrations, type MigrationReport } from '../prisma/migrator.js';
import { connectPg, databaseNameOf, ensureDatabase } from '../prisma/postgres-target.js';

/** `npm run db:migrate`: create the database if needed, then apply pending migrations. Safe to run twice. */
async function main(): Promise<void> {
  const target = databaseTargetOf(process.env);
  if (target.databaseUrl === null) {
    if (!target.devMode) throw new ConfigError(['DATABASE_URL: required outside dev mode (the PostgreSQL connection URL)']);
    report('the embedded database (dev mode)', await migrateEmbeddedDatabase(target.stateDir));
    return;
  }
  const name = databaseNameOf(target.databaseUrl);
  if (await ensureDatabase(target.databaseUrl)) process.stdout.write(`phi-vault: created database ${name}\n`);
  const connection = await connectPg(target.databaseUrl);
  try {
    report(`database ${name}`, await applyMigrations(connection));
  } finally {
    await connection.end();
  }
}

function report(what: string, result: MigrationReport): void {
  for (const migration of result.applied) process.stdout.write(`phi-vault: applied migration ${migration}\n`);
  for (const migration of result.checksumMismatches) {
    process.stderr.write(`phi-vault: warning: migration ${migration} changed after it was applied\n`);
  }
  process.stdout.write(`phi-vault: ${what} is up to date (${result.alreadyApplied + result.applied.length} migrations)\n`);
}

main().catch((error: unknown) => {
  const lines = error instanceof ConfigError ? error.problems : [error instanceof Error ? error.message : 'unknown error'];
  for (const line of lines) process.stderr.write(`phi-vault: db:migrate failed: ${line}\n`);
  process.exit(1);
});
