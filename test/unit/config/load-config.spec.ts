import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ensureDevSecrets } from '../../../src/config/dev-secrets.js';
import { ConfigError, loadConfig } from '../../../src/config/load-config.js';

const dir = mkdtempSync(join(tmpdir(), 'phi-vault-config-'));
const keyFile = join(dir, 'public.pem');
writeFileSync(keyFile, '-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n');
const MASTER_KEY = randomBytes(32).toString('base64');

const production = (overrides: Record<string, string | undefined> = {}) => ({
  DATABASE_URL: 'postgresql://vault:db-password-123@db.internal:5432/phi_vault',
  REDIS_URL: 'redis://cache.internal:6379',
  VAULT_MASTER_KEY: MASTER_KEY,
  AUTH_ISSUER: 'https://idp.example.org/realms/clinic',
  AUTH_AUDIENCE: 'phi-vault',
  AUTH_PUBLIC_KEY_FILE: keyFile,
  ...overrides,
});

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env, dir);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('configuration', () => {
  it('parses a complete production environment with the documented defaults', () => {
    const config = loadConfig(production(), dir);
    expect(config.devMode).toBe(false);
    expect(config.http).toEqual({ port: 8080, host: '127.0.0.1', bodyLimitBytes: 1024 * 1024 });
    expect(config.auth.algorithms).toEqual(['RS256', 'PS256', 'ES256', 'EdDSA']);
    expect(config.auth.rolesClaim).toBe('roles');
    expect(config.auth.scopesClaim).toBe('scope');
    expect(config.masterKey.reveal()).toEqual(Buffer.from(MASTER_KEY, 'base64'));
  });

  it('outside dev mode, names every missing required variable, one line each', () => {
    const problems = problemsOf({});
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'VAULT_MASTER_KEY', 'AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_PUBLIC_KEY_FILE or AUTH_JWKS_URL']) {
      expect(problems.some((line) => line.startsWith(`${name}:`)), name).toBe(true);
    }
    expect(problems.every((line) => !line.includes('\n'))).toBe(true);
  });

  it.each([
    ['VAULT_MASTER_KEY', 'not-base64!!', /standard base64/],
    ['VAULT_MASTER_KEY', randomBytes(16).toString('base64'), /exactly 32 bytes \(it decodes to 16\)/],
    ['DATABASE_URL', 'mysql://x@y/z', /must start with postgres:\/\/ or postgresql:\/\//],
    ['DATABASE_URL', 'not a url', /not a valid URL/],
    ['REDIS_URL', 'http://cache:6379', /redis:\/\/ or rediss:\/\//],
    ['PORT', '70000', /integer from 0 to 65535/],
    ['VAULT_DEV_MODE', 'yes', /"true" or "false"/],
    ['AUTH_ALGORITHMS', 'RS256,none', /"none" is never accepted/],
    ['AUTH_ALGORITHMS', 'HS256', /HS256 needs AUTH_JWKS_URL/],
    ['AUTH_ALGORITHMS', 'RS999', /unknown algorithm/],
    ['AUTH_ROLES_CLAIM', 'realm access..roles', /dotted claim path/],
    ['AUTH_PUBLIC_KEY_FILE', join(dir, 'missing.pem'), /no such file/],
    ['LOG_LEVEL', 'verbose', /must be one of trace, debug, info, warn, error, fatal, silent/],
    ['VAULT_POLICY_FILE', join(dir, 'missing.json'), /no such file/],
  ])('%s=%s is refused with a specific line', (name, value, message) => {
    const problems = problemsOf(production({ [name]: value }));
    expect(problems.find((line) => line.startsWith(`${name}:`) || line.includes(name))).toMatch(message);
  });

  it('never prints a secret: not the master key, not a database password', () => {
    const problems = problemsOf(production({ VAULT_MASTER_KEY: `${MASTER_KEY.slice(0, -4)}AAAA=`, DATABASE_URL: 'postgresql://vault:db-password-123@/%%%' }));
    const text = problems.join('\n');
    expect(text).not.toContain(MASTER_KEY.slice(0, 20));
    expect(text).not.toContain('db-password-123');
    const config = loadConfig(production(), dir);
    for (const rendering of [String(config.masterKey), JSON.stringify(config), inspect(config, { depth: 5 })]) {
      expect(rendering).not.toContain(MASTER_KEY);
      expect(rendering).not.toContain(Buffer.from(MASTER_KEY, 'base64').toString('hex'));
    }
  });

  it('takes LOG_LEVEL from the environment (default info), in any letter case', () => {
    expect(loadConfig(production(), dir).logLevel).toBe('info');
    expect(loadConfig(production({ LOG_LEVEL: 'WARN' }), dir).logLevel).toBe('warn');
  });

  describe('AUTH_JWKS_URL', () => {
    const jwks = (url: string, extra: Record<string, string> = {}) => production({ AUTH_PUBLIC_KEY_FILE: undefined, AUTH_JWKS_URL: url, ...extra });

    it('is cached 10 minutes and refetched for an unknown kid at most every 30 s unless configured', () => {
      expect(loadConfig(jwks('https://idp.example.org/jwks'), dir).auth.keySource).toEqual({
        kind: 'jwks',
        url: 'https://idp.example.org/jwks',
        cacheMaxAgeSeconds: 600,
        cooldownSeconds: 30,
      });
      const tuned = loadConfig(jwks('https://idp.example.org/jwks', { AUTH_JWKS_CACHE_SECONDS: '60', AUTH_JWKS_COOLDOWN_SECONDS: '0' }), dir);
      expect(tuned.auth.keySource).toMatchObject({ cacheMaxAgeSeconds: 60, cooldownSeconds: 0 });
    });

    it.each(['http://idp.example.org/jwks', 'http://10.0.0.7/jwks', 'http://localhost.example.org/jwks'])('refuses plain http to another host: %s', (url) => {
      expect(problemsOf(jwks(url))).toEqual(['AUTH_JWKS_URL: must start with https:// (http:// only for localhost, 127.0.0.1 or [::1])']);
    });

    it.each(['http://localhost:8081/jwks', 'http://127.0.0.1:8081/jwks', 'http://[::1]:8081/jwks', 'https://idp.example.org/jwks'])('accepts %s', (url) => {
      expect(problemsOf(jwks(url))).toEqual([]);
    });

    it('refuses other schemes and bad cache settings with one line each', () => {
      expect(problemsOf(jwks('ftp://idp.example.org/jwks'))).toEqual(['AUTH_JWKS_URL: must start with https:// or http://']);
      expect(problemsOf(jwks('https://idp.example.org/jwks', { AUTH_JWKS_CACHE_SECONDS: '-1', AUTH_JWKS_COOLDOWN_SECONDS: 'soon' }))).toEqual([
        'AUTH_JWKS_CACHE_SECONDS: must be an integer from 0 to 86400',
        'AUTH_JWKS_COOLDOWN_SECONDS: must be an integer from 0 to 3600',
      ]);
    });
  });

  it('refuses both key sources at once', () => {
    expect(problemsOf(production({ AUTH_JWKS_URL: 'https://idp.example.org/jwks' }))).toContain('AUTH_PUBLIC_KEY_FILE and AUTH_JWKS_URL: set one, not both');
  });

  it('dev mode fills everything from generated secrets, and reuses them on the next start', () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'phi-vault-dev-'));
    expect(ensureDevSecrets(stateDir)).toEqual(['master key', 'JWT signing key pair']);
    expect(ensureDevSecrets(stateDir)).toEqual([]);
    const config = loadConfig({ VAULT_DEV_MODE: 'true', VAULT_STATE_DIR: stateDir }, dir);
    expect(config.devMode).toBe(true);
    expect(config.databaseUrl).toBeNull();
    expect(config.redisUrl).toBeNull();
    expect(config.auth).toMatchObject({ issuer: 'phi-vault-dev', audience: 'phi-vault', keySource: { kind: 'pem', file: join(stateDir, 'jwt-public.pem') } });
    expect(loadConfig({ VAULT_DEV_MODE: 'true', VAULT_STATE_DIR: stateDir }, dir).masterKey.reveal()).toEqual(config.masterKey.reveal());
  });
});
