import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { Secret } from './secret.js';
import type { AuthConfig, VaultConfig } from './vault-config.js';
import { DEV_AUDIENCE, DEV_ISSUER, devSecretPaths, readDevMasterKey } from './dev-secrets.js';
import { DEFAULT_REVEAL_POLICY } from '../policy/default-policy.js';
import { readRevealPolicyFile } from '../policy/policy-file.js';
import { parseLimitsConfig } from '../ratelimit/limits-config.js';
import { parseTlsConfig } from '../tls/tls-config.js';
import { parseLogLevel } from '../common/logging/log-level.js';

/** Every problem found in the environment, one specific line each. Never carries a secret's value. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'];
const DEFAULT_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'];
const ONE_MIB = 1024 * 1024;

/**
 * Parses the environment once. Collects every problem before failing so an operator fixes them in one go.
 * In dev mode, missing secrets come from `stateDir` (created beforehand by `ensureDevSecrets`).
 */
export function loadConfig(env: Env, cwd = process.cwd()): VaultConfig {
  const problems: string[] = [];
  const text = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };

  const devModeRaw = text('VAULT_DEV_MODE') ?? 'false';
  if (devModeRaw !== 'true' && devModeRaw !== 'false') problems.push('VAULT_DEV_MODE: must be "true" or "false"');
  const devMode = devModeRaw === 'true';
  const stateDir = stateDirOf(env, cwd);
  const required = (name: string, why: string): string | undefined => {
    const value = text(name);
    if (value === undefined && !devMode) problems.push(`${name}: required outside dev mode (${why})`);
    return value;
  };

  const port = integer(problems, 'PORT', text('PORT'), 8080, 0, 65535);
  const logLevel = parseLogLevel(problems, text('LOG_LEVEL'));
  const host = text('HOST') ?? '127.0.0.1';
  const databaseUrl = urlOrNull(problems, 'DATABASE_URL', required('DATABASE_URL', 'the PostgreSQL connection URL'), ['postgres:', 'postgresql:']);
  const redisUrl = urlOrNull(problems, 'REDIS_URL', required('REDIS_URL', 'the Redis connection URL'), ['redis:', 'rediss:']);
  const databasePoolSize = integer(problems, 'DATABASE_POOL_SIZE', text('DATABASE_POOL_SIZE'), 16, 1, 500);
  // The audit window is 1 ms, shorter than the burst of requests a committed batch sets free: under steady load the
  // callers then split into two groups whose batches alternate (one commits while the vault serves the other),
  // instead of all of them waiting in one batch while the vault idles. Measured in the README's Benchmark section.
  const audit = {
    batchWindowMs: integer(problems, 'AUDIT_BATCH_WINDOW_MS', text('AUDIT_BATCH_WINDOW_MS'), 1, 0, 1000),
    batchMax: integer(problems, 'AUDIT_BATCH_MAX', text('AUDIT_BATCH_MAX'), 256, 1, 10000),
    appendTimeoutMs: integer(problems, 'AUDIT_APPEND_TIMEOUT_MS', text('AUDIT_APPEND_TIMEOUT_MS'), 5000, 100, 60_000),
  };
  const tokenizeBatchWindowMs = integer(problems, 'TOKENIZE_BATCH_WINDOW_MS', text('TOKENIZE_BATCH_WINDOW_MS'), 2, 0, 1000);
  const databaseTimeouts = {
    connectMs: integer(problems, 'DATABASE_CONNECT_TIMEOUT_MS', text('DATABASE_CONNECT_TIMEOUT_MS'), 5000, 100, 60_000),
    idleInTransactionMs: integer(problems, 'DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS', text('DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS'), 30_000, 0, 3_600_000),
    statementMs: integer(problems, 'DATABASE_STATEMENT_TIMEOUT_MS', text('DATABASE_STATEMENT_TIMEOUT_MS'), 60_000, 1000, 3_600_000),
    lockMs: integer(problems, 'DATABASE_LOCK_TIMEOUT_MS', text('DATABASE_LOCK_TIMEOUT_MS'), 10_000, 100, 3_600_000),
  };
  const redisKeyPrefix = text('REDIS_KEY_PREFIX') ?? 'phi-vault:';
  const tokenCacheTtlSeconds = integer(problems, 'VAULT_CACHE_TTL_SECONDS', text('VAULT_CACHE_TTL_SECONDS'), 300, 0, 86_400);

  const masterKey = parseMasterKey(problems, text('VAULT_MASTER_KEY') ?? (devMode ? readDevMasterKey(stateDir) : undefined), devMode);
  const masterKeyPrevious = parsePreviousMasterKey(problems, text('VAULT_MASTER_KEY_PREVIOUS'), masterKey);
  const tls = parseTlsConfig(problems, text, cwd);
  const auth = parseAuth(problems, text, devMode, stateDir, cwd);

  const policyFile = text('VAULT_POLICY_FILE');
  let revealPolicy = DEFAULT_REVEAL_POLICY;
  if (policyFile !== undefined) {
    const parsed = readRevealPolicyFile(resolve(cwd, policyFile));
    if ('policy' in parsed) revealPolicy = parsed.policy;
    else problems.push(...parsed.problems.map((problem) => `VAULT_POLICY_FILE: ${problem}`));
  }
  const limits = parseLimitsConfig(problems, text);
  // The purge of expired tokens (docs/erasure.md): seconds between passes on each instance; 0 turns it off.
  const purge = { intervalSeconds: integer(problems, 'VAULT_PURGE_INTERVAL_SECONDS', text('VAULT_PURGE_INTERVAL_SECONDS'), 60, 0, 86_400) };

  if (problems.length > 0 || masterKey === undefined || auth === undefined) throw new ConfigError(problems);
  return {
    devMode,
    http: { port, host, bodyLimitBytes: ONE_MIB },
    logLevel,
    databaseUrl,
    databasePoolSize,
    databaseTimeouts,
    audit,
    tokenizeBatchWindowMs,
    redisUrl,
    redisKeyPrefix,
    tokenCacheTtlSeconds,
    masterKey,
    masterKeyPrevious,
    tls,
    auth,
    policyFile: policyFile === undefined ? null : resolve(cwd, policyFile),
    revealPolicy,
    limits,
    purge,
    stateDir,
  };
}

/** Just enough configuration to reach the database (for `npm run db:migrate`, which needs no keys). */
export function databaseTargetOf(env: Env, cwd = process.cwd()): { databaseUrl: string | null; devMode: boolean; stateDir: string } {
  const problems: string[] = [];
  const databaseUrl = urlOrNull(problems, 'DATABASE_URL', env.DATABASE_URL?.trim() || undefined, ['postgres:', 'postgresql:']);
  if (problems.length > 0) throw new ConfigError(problems);
  return { databaseUrl, devMode: env.VAULT_DEV_MODE?.trim() === 'true', stateDir: stateDirOf(env, cwd) };
}

/** Where dev mode keeps generated keys (and the embedded database): VAULT_STATE_DIR or `.vault`. */
export function stateDirOf(env: Env, cwd = process.cwd()): string {
  return resolve(cwd, env.VAULT_STATE_DIR?.trim() || '.vault');
}

function parseAuth(
  problems: string[],
  text: (name: string) => string | undefined,
  devMode: boolean,
  stateDir: string,
  cwd: string,
): AuthConfig | undefined {
  const issuer = text('AUTH_ISSUER') ?? (devMode ? DEV_ISSUER : undefined);
  const audience = text('AUTH_AUDIENCE') ?? (devMode ? DEV_AUDIENCE : undefined);
  if (issuer === undefined) problems.push('AUTH_ISSUER: required outside dev mode (the `iss` every JWT must carry)');
  if (audience === undefined) problems.push('AUTH_AUDIENCE: required outside dev mode (the `aud` every JWT must carry)');

  const keyFile = text('AUTH_PUBLIC_KEY_FILE');
  const jwksUrl = text('AUTH_JWKS_URL');
  let keySource: AuthConfig['keySource'] | undefined;
  if (keyFile !== undefined && jwksUrl !== undefined) {
    problems.push('AUTH_PUBLIC_KEY_FILE and AUTH_JWKS_URL: set one, not both');
  } else if (jwksUrl !== undefined) {
    const url = urlOrNull(problems, 'AUTH_JWKS_URL', jwksUrl, ['https:', 'http:']);
    // Keys fetched over plain HTTP could be swapped on the way: https only, except from this machine.
    if (url !== null && new URL(url).protocol === 'http:' && !['localhost', '127.0.0.1', '[::1]'].includes(new URL(url).hostname)) {
      problems.push('AUTH_JWKS_URL: must start with https:// (http:// only for localhost, 127.0.0.1 or [::1])');
    } else if (url !== null) {
      keySource = {
        kind: 'jwks',
        url,
        cacheMaxAgeSeconds: integer(problems, 'AUTH_JWKS_CACHE_SECONDS', text('AUTH_JWKS_CACHE_SECONDS'), 600, 0, 86_400),
        cooldownSeconds: integer(problems, 'AUTH_JWKS_COOLDOWN_SECONDS', text('AUTH_JWKS_COOLDOWN_SECONDS'), 30, 0, 3600),
      };
    }
  } else if (keyFile !== undefined) {
    const file = isAbsolute(keyFile) ? keyFile : resolve(cwd, keyFile);
    if (existsSync(file)) keySource = { kind: 'pem', file };
    else problems.push('AUTH_PUBLIC_KEY_FILE: no such file');
  } else if (devMode) {
    keySource = { kind: 'pem', file: devSecretPaths(stateDir).jwtPublicKey };
  } else {
    problems.push('AUTH_PUBLIC_KEY_FILE or AUTH_JWKS_URL: one is required outside dev mode (the keys that may sign JWTs)');
  }

  const algorithms = (text('AUTH_ALGORITHMS') ?? DEFAULT_ALGORITHMS.join(','))
    .split(',')
    .map((alg) => alg.trim())
    .filter((alg) => alg !== '');
  for (const alg of algorithms) {
    if (alg.toLowerCase() === 'none') problems.push('AUTH_ALGORITHMS: "none" is never accepted');
    else if (!ASYMMETRIC_ALGORITHMS.includes(alg) && !HMAC_ALGORITHMS.includes(alg)) problems.push(`AUTH_ALGORITHMS: unknown algorithm "${alg}"`);
    else if (HMAC_ALGORITHMS.includes(alg) && keySource?.kind === 'pem') {
      problems.push(`AUTH_ALGORITHMS: ${alg} needs AUTH_JWKS_URL with an "oct" key; a PEM public key cannot verify an HMAC`);
    }
  }
  if (algorithms.length === 0) problems.push('AUTH_ALGORITHMS: must list at least one algorithm');

  const clockToleranceSeconds = integer(problems, 'AUTH_CLOCK_TOLERANCE_SECONDS', text('AUTH_CLOCK_TOLERANCE_SECONDS'), 0, 0, 300);
  const rolesClaim = claimPath(problems, 'AUTH_ROLES_CLAIM', text('AUTH_ROLES_CLAIM') ?? 'roles');
  const scopesClaim = claimPath(problems, 'AUTH_SCOPES_CLAIM', text('AUTH_SCOPES_CLAIM') ?? 'scope');

  if (issuer === undefined || audience === undefined || keySource === undefined) return undefined;
  return { issuer, audience, keySource, rolesClaim, scopesClaim, algorithms, clockToleranceSeconds };
}

function parseMasterKey(problems: string[], base64: string | undefined, devMode: boolean): Secret | undefined {
  if (base64 === undefined) {
    problems.push(
      devMode
        ? 'VAULT_MASTER_KEY: dev mode found no generated key under the state directory'
        : 'VAULT_MASTER_KEY: required outside dev mode (base64 of 32 random bytes, e.g. `openssl rand -base64 32`)',
    );
    return undefined;
  }
  return parseKeyBytes(problems, 'VAULT_MASTER_KEY', base64);
}

/** The KEK being replaced, accepted during a master-key change (see docs/keys-and-tls.md). */
function parsePreviousMasterKey(problems: string[], base64: string | undefined, masterKey: Secret | undefined): Secret | null {
  if (base64 === undefined) return null;
  const previous = parseKeyBytes(problems, 'VAULT_MASTER_KEY_PREVIOUS', base64);
  if (previous !== undefined && masterKey !== undefined && previous.reveal().equals(masterKey.reveal())) {
    problems.push('VAULT_MASTER_KEY_PREVIOUS: must differ from VAULT_MASTER_KEY (it is the key being replaced)');
  }
  return previous ?? null;
}

/** Base64 of exactly 32 bytes. The messages name the variable, never its value. */
function parseKeyBytes(problems: string[], name: string, base64: string): Secret | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || base64.length % 4 !== 0) {
    problems.push(`${name}: must be standard base64 (of 32 random bytes)`);
    return undefined;
  }
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length !== 32) {
    problems.push(`${name}: must decode to exactly 32 bytes (it decodes to ${bytes.length})`);
    return undefined;
  }
  return new Secret(bytes);
}

function integer(problems: string[], name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    problems.push(`${name}: must be an integer from ${min} to ${max}`);
    return fallback;
  }
  return value;
}

function urlOrNull(problems: string[], name: string, raw: string | undefined, protocols: string[]): string | null {
  if (raw === undefined) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // The URL may embed a password: the message names the variable, never the value.
    problems.push(`${name}: not a valid URL`);
    return null;
  }
  if (!protocols.includes(url.protocol)) {
    problems.push(`${name}: must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
    return null;
  }
  return raw;
}

function claimPath(problems: string[], name: string, path: string): string {
  if (!/^[A-Za-z0-9_:\-]+(\.[A-Za-z0-9_:\-]+)*$/.test(path)) problems.push(`${name}: must be a dotted claim path such as realm_access.roles`);
  return path;
}
