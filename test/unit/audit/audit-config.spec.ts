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

describe('audit group-commit and database deadline configuration', () => {
  it('defaults to a 1 ms window, batches of up to 256 requests and a 5 s append deadline', () => {
    expect(loadConfig(env(), dir).audit).toEqual({ batchWindowMs: 1, batchMax: 256, appendTimeoutMs: 5000 });
  });

  it('gives small tokenize calls a window of their own: 2 ms by default, TOKENIZE_BATCH_WINDOW_MS otherwise', () => {
    expect(loadConfig(env(), dir).tokenizeBatchWindowMs).toBe(2);
    expect(loadConfig(env({ TOKENIZE_BATCH_WINDOW_MS: '0', AUDIT_BATCH_WINDOW_MS: '7' }), dir)).toMatchObject({
      tokenizeBatchWindowMs: 0,
      audit: { batchWindowMs: 7 },
    });
  });

  it('reads AUDIT_BATCH_WINDOW_MS, AUDIT_BATCH_MAX and AUDIT_APPEND_TIMEOUT_MS', () => {
    expect(loadConfig(env({ AUDIT_BATCH_WINDOW_MS: '0', AUDIT_BATCH_MAX: '1', AUDIT_APPEND_TIMEOUT_MS: '250' }), dir).audit).toEqual({
      batchWindowMs: 0,
      batchMax: 1,
      appendTimeoutMs: 250,
    });
  });

  it('bounds database waits by default: 5 s to get a connection, 30 s idle inside a transaction, 60 s a statement, 10 s a lock', () => {
    expect(loadConfig(env(), dir).databaseTimeouts).toEqual({ connectMs: 5000, idleInTransactionMs: 30_000, statementMs: 60_000, lockMs: 10_000 });
    const custom = env({
      DATABASE_CONNECT_TIMEOUT_MS: '100',
      DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '0',
      DATABASE_STATEMENT_TIMEOUT_MS: '2000',
      DATABASE_LOCK_TIMEOUT_MS: '500',
    });
    expect(loadConfig(custom, dir).databaseTimeouts).toEqual({ connectMs: 100, idleInTransactionMs: 0, statementMs: 2000, lockMs: 500 });
  });

  it.each([
    ['AUDIT_BATCH_WINDOW_MS', '-1'],
    ['AUDIT_BATCH_WINDOW_MS', '1001'],
    ['AUDIT_BATCH_WINDOW_MS', '2.5'],
    ['TOKENIZE_BATCH_WINDOW_MS', '-1'],
    ['TOKENIZE_BATCH_WINDOW_MS', '1001'],
    ['AUDIT_BATCH_MAX', '0'],
    ['AUDIT_BATCH_MAX', 'many'],
    ['AUDIT_APPEND_TIMEOUT_MS', '0'],
    ['AUDIT_APPEND_TIMEOUT_MS', '99'],
    ['AUDIT_APPEND_TIMEOUT_MS', '60001'],
    ['DATABASE_CONNECT_TIMEOUT_MS', '5s'],
    ['DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS', '-1'],
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
