import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/load-config.js';

const dir = mkdtempSync(join(tmpdir(), 'phi-vault-keys-config-'));
const keyFile = join(dir, 'public.pem');
writeFileSync(keyFile, '-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n');
const MASTER_KEY = randomBytes(32).toString('base64');
const PREVIOUS = randomBytes(32).toString('base64');

const env = (overrides: Record<string, string> = {}) => ({
  DATABASE_URL: 'postgresql://vault@db.internal:5432/phi_vault',
  REDIS_URL: 'redis://cache.internal:6379',
  VAULT_MASTER_KEY: MASTER_KEY,
  AUTH_ISSUER: 'https://idp.example.org',
  AUTH_AUDIENCE: 'phi-vault',
  AUTH_PUBLIC_KEY_FILE: keyFile,
  ...overrides,
});

function problemsOf(overrides: Record<string, string>): string[] {
  try {
    loadConfig(env(overrides), dir);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('VAULT_MASTER_KEY_PREVIOUS', () => {
  it('is optional, and held as a Secret that never prints', () => {
    expect(loadConfig(env(), dir).masterKeyPrevious).toBeNull();
    const config = loadConfig(env({ VAULT_MASTER_KEY_PREVIOUS: PREVIOUS }), dir);
    expect(config.masterKeyPrevious?.reveal()).toEqual(Buffer.from(PREVIOUS, 'base64'));
    const printed = `${inspect(config, { depth: 5 })} ${JSON.stringify(config)}`;
    expect(printed).not.toContain(PREVIOUS);
    expect(printed).not.toContain(Buffer.from(PREVIOUS, 'base64').toString('hex'));
  });

  it.each([
    ['not-base64!!', /^VAULT_MASTER_KEY_PREVIOUS: must be standard base64/],
    [randomBytes(16).toString('base64'), /^VAULT_MASTER_KEY_PREVIOUS: must decode to exactly 32 bytes \(it decodes to 16\)$/],
    [MASTER_KEY, /^VAULT_MASTER_KEY_PREVIOUS: must differ from VAULT_MASTER_KEY/],
  ])('is validated like the master key: %s', (value, expected) => {
    const problems = problemsOf({ VAULT_MASTER_KEY_PREVIOUS: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
    expect(problems[0]).not.toContain(value);
  });
});
