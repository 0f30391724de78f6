import { randomBytes } from 'node:crypto';
import { testRedisUrl } from './database-urls.js';
import { TEST_AUDIENCE, TEST_ISSUER, type Signer } from './jwt.js';
import type { TestDatabase } from './test-database.js';

/**
 * The environment of a test vault: its own database, its own Redis key prefix, a fresh master key, JWTs from
 * `signer`. For a vault in this process (startTestVault) or the built server in a child (spawnVaultProcess).
 */
export function testVaultEnv(database: TestDatabase, signer: Signer, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: database.url,
    REDIS_URL: testRedisUrl(),
    REDIS_KEY_PREFIX: `phi-vault-test:${randomBytes(4).toString('hex')}:`,
    VAULT_MASTER_KEY: randomBytes(32).toString('base64'),
    AUTH_ISSUER: TEST_ISSUER,
    AUTH_AUDIENCE: TEST_AUDIENCE,
    AUTH_PUBLIC_KEY_FILE: signer.publicKeyFile,
    DATABASE_POOL_SIZE: '5',
    ...extra,
  };
}
