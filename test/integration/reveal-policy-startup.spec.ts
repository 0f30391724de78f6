import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adminDatabaseUrl, testRedisUrl } from '../support/database-urls.js';
import { createSigner, TEST_AUDIENCE, TEST_ISSUER } from '../support/jwt.js';
import { spawnVaultProcess } from '../support/vault-process.js';

describe('an invalid VAULT_POLICY_FILE stops the start', () => {
  const policyFile = (text: string) => {
    const file = join(mkdtempSync(join(tmpdir(), 'phi-vault-policy-start-')), 'policy.json');
    writeFileSync(file, text);
    return file;
  };
  const startFailure = (env: Record<string, string>) =>
    spawnVaultProcess({
      DATABASE_URL: adminDatabaseUrl(),
      REDIS_URL: testRedisUrl(),
      VAULT_MASTER_KEY: randomBytes(32).toString('base64'),
      AUTH_ISSUER: TEST_ISSUER,
      AUTH_AUDIENCE: TEST_AUDIENCE,
      AUTH_PUBLIC_KEY_FILE: createSigner().publicKeyFile,
      ...env,
    }).then(
      () => new Error('the vault started'),
      (error: Error) => error,
    );

  it('prints one line per bad entry, naming it, and exits before listening', async () => {
    const file = policyFile(JSON.stringify({ version: 1, roles: { clinician: { default: 'plain', types: { ssn: 'hidden' } }, nurse: { tags: { restricted: 'plain' } } } }));
    const failure = await startFailure({ VAULT_POLICY_FILE: file, VAULT_BREAK_GLASS_CALLS_PER_HOUR: '0' });
    expect(failure.message).toMatch(/exited with 1/);
    expect(failure.message).toContain('phi-vault: configuration error: VAULT_POLICY_FILE: roles.clinician.types.ssn: must be plain, masked or denied\n');
    expect(failure.message).toContain(
      'phi-vault: configuration error: VAULT_POLICY_FILE: roles.nurse.tags.restricted: must be masked or denied (a tag rule can only lower a level)\n',
    );
    expect(failure.message).toContain('phi-vault: configuration error: VAULT_BREAK_GLASS_CALLS_PER_HOUR: must be an integer from 1 to 100000\n');
  });

  it('refuses a role given twice rather than keep the last one', async () => {
    const failure = await startFailure({ VAULT_POLICY_FILE: policyFile('{"version": 1, "roles": {"support": {"default": "masked"}, "support": {"default": "plain"}}}') });
    expect(failure.message).toMatch(/exited with 1/);
    expect(failure.message).toContain('phi-vault: configuration error: VAULT_POLICY_FILE: roles.support: is given more than once (only one entry per name; merge the duplicates)\n');
  });
});
