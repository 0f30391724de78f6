import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPg } from '../../src/prisma/postgres-target.js';
import { withSql } from '../support/db-inspect.js';
import { startTestVault, type TestVault } from '../support/vault.js';

const VALUE = '321-54-9876';

/** Fail closed, never hang: a table locked by a migration or an operator makes calls answer 503, then recover. */
describe('database waits are bounded', () => {
  let vault: TestVault;
  let caller: string;
  beforeAll(async () => {
    // No cache, so every call reaches the locked table.
    vault = await startTestVault({ env: { DATABASE_LOCK_TIMEOUT_MS: '500', VAULT_CACHE_TTL_SECONDS: '0' } });
    caller = await vault.bearer('timeouts', ['service'], ['vault:tokenize', 'vault:detokenize', 'audit:read']);
  });
  afterAll(async () => {
    await vault?.close();
  });

  const tokenize = (value: string) => vault.http().post('/v1/tokenize').set('Authorization', caller).send({ items: [{ type: 'ssn', value }] });
  const detokenize = (token: string) =>
    vault.http().post('/v1/detokenize').set('Authorization', caller).send({ tokens: [token], purpose: 'operations', justification: 'Checking bounded waits' });

  it('answers 503 with Retry-After while the tokens table is locked, revealing and storing nothing; then works again', async () => {
    const token = (await tokenize(VALUE)).body.items[0].token as string;
    const holder = await connectPg(vault.database.url);
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE tokens IN ACCESS EXCLUSIVE MODE');
      for (const refused of [await tokenize('432-65-1987'), await detokenize(token)]) {
        expect(refused.status).toBe(503);
        expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(refused.headers['retry-after']).toBe('1');
        expect(refused.body.code).toBe('service_unavailable');
        expect(refused.text).not.toContain(VALUE);
        expect(refused.text).not.toContain('432-65-1987');
      }
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    expect((await detokenize(token)).body.items[0].value).toBe(VALUE);
    const retried = await tokenize('432-65-1987');
    expect(retried.status).toBe(200);
    const [{ n }] = await withSql(vault.database.url, (query) => query<{ n: string }>('SELECT count(*)::text AS n FROM tokens'));
    expect(n).toBe('2'); // the refused tokenize stored nothing
    expect((await vault.http().get('/v1/audit/verify').set('Authorization', caller)).body).toMatchObject({ valid: true });
  });

  it('never logs the statement or its parameters, only the error class and code', () => {
    const failures = vault.logs.filter((line) => line.includes('request failed'));
    expect(failures.join('')).not.toContain(VALUE);
    expect(failures.join('')).not.toMatch(/SELECT|INSERT|tokens WHERE/);
  });
});
