import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { connectPg, quoteIdentifier } from '../../src/prisma/postgres-target.js';
import { adminDatabaseUrl, databaseUrlFor } from './database-urls.js';

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

/** A fresh, fully migrated database of this test file's own, cloned from the run's template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `phi_vault_t_${inject('runId')}_${randomBytes(4).toString('hex')}`;
  const admin = await connectPg(adminDatabaseUrl());
  try {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await admin.query(`CREATE DATABASE ${quoteIdentifier(name)} TEMPLATE ${quoteIdentifier(inject('templateDatabase'))}`);
        break;
      } catch (error) {
        // Cloning needs the template to be idle for a moment; parallel files may briefly collide.
        if (attempt >= 20 || (error as { code?: string }).code !== '55006') throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
  } finally {
    await admin.end();
  }
  return {
    name,
    url: databaseUrlFor(name),
    async drop() {
      const cleanup = await connectPg(adminDatabaseUrl());
      await cleanup.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}
