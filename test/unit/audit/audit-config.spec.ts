import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/load-config.js';

const dir = mkdtempSync(join(tmpdir(), 'phi-vault-audit-config-'));
const keyFile = join(dir, 'public.pem');
writeFileSync(keyFile, '-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n');
const env = (overrides: Record<string, string> = {}) => ({
  DATABASE_URL: 'postgresql://vault@db.internal:5432/phi_vault',
  REDIS_URL: 'redis://cache.internal:6379',
  VAULT_MASTER_KEY: randomBytes(32).toString('base64'),
  AUTH_ISSUER: 'https://idp.example.org',
  AUTH_AUDIENCE: 'phi-vault',
  AUTH_PUBLIC_KEY_FILE: keyFile,
  ...overrides,
});

describe('audit group-commit configuration', () => {
  it('defaults to a 2 ms window and batches of up to 256 requests', () => {
    expect(loadConfig(env(), dir).audit).toEqual({ batchWindowMs: 2, batchMax: 256 });
  });

  it('reads AUDIT_BATCH_WINDOW_MS and AUDIT_BATCH_MAX', () => {
    expect(loadConfig(env({ AUDIT_BATCH_WINDOW_MS: '0', AUDIT_BATCH_MAX: '1' }), dir).audit).toEqual({ batchWindowMs: 0, batchMax: 1 });
  });

  it.each([
    ['AUDIT_BATCH_WINDOW_MS', '-1'],
    ['AUDIT_BATCH_WINDOW_MS', '1001'],
    ['AUDIT_BATCH_WINDOW_MS', '2.5'],
    ['AUDIT_BATCH_MAX', '0'],
    ['AUDIT_BATCH_MAX', 'many'],
  ])('refuses %s=%s with one line naming it', (name, value) => {
    try {
      loadConfig(env({ [name]: value }), dir);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([expect.stringMatching(new RegExp(`^${name}: must be an integer from`))]);
    }
  });
});
