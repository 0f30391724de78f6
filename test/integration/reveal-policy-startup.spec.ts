import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adminDatabaseUrl, testRedisUrl } from '../support/database-urls.js';
import { createSigner, TEST_AUDIENCE, TEST_ISSUER } from '../support/jwt.js';
import { spawnVaultProcess } from '../support/vault-process.js';

describe('an invalid VAULT_POLICY_FILE stops the start', () => {
  it('prints one line per bad entry, naming it, and exits before listening', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'phi-vault-policy-start-')), 'policy.json');
    writeFileSync(file, JSON.stringify({ version: 1, roles: { clinician: { default: 'plain', types: { ssn: 'hidden' } }, nurse: { tags: { restricted: 'plain' } } } }));
    const env = {
      DATABASE_URL: adminDatabaseUrl(),
      REDIS_URL: testRedisUrl(),
      VAULT_MASTER_KEY: randomBytes(32).toString('base64'),
      AUTH_ISSUER: TEST_ISSUER,
      AUTH_AUDIENCE: TEST_AUDIENCE,
      AUTH_PUBLIC_KEY_FILE: createSigner().publicKeyFile,
      VAULT_POLICY_FILE: file,
      VAULT_BREAK_GLASS_CALLS_PER_HOUR: '0',
    };
    const failure = await spawnVaultProcess(env).then(
      () => new Error('the vault started'),
      (error: Error) => error,
    );
    expect(failure.message).toMatch(/exited with 1/);
    expect(failure.message).toContain('phi-vault: configuration error: VAULT_POLICY_FILE: roles.clinician.types.ssn: must be plain, masked or denied\n');
    expect(failure.message).toContain(
      'phi-vault: configuration error: VAULT_POLICY_FILE: roles.nurse.tags.restricted: must be masked or denied (a tag rule can only lower a level)\n',
    );
    expect(failure.message).toContain('phi-vault: configuration error: VAULT_BREAK_GLASS_CALLS_PER_HOUR: must be an integer from 1 to 100000\n');
  });
});
