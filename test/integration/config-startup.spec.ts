import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runToExit, type ProcessRun } from '../support/run-to-exit.js';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** Recognizable secrets: none may ever be printed, whole or in part. */
const BAD_MASTER_KEY = 'NOT-A-KEY-but-a-Secret-Sentinel-7Q9Z';
const DB_PASSWORD = 'db-Secret-Sentinel-4242';

type Outcome = ProcessRun;

/** Runs the built server as `npm run start:prod` does, with exactly this environment, in an empty directory. */
function startWith(env: Record<string, string>): Promise<Outcome> {
  if (!existsSync(MAIN)) throw new Error('dist/main.js is missing: vitest global set-up builds it');
  const cwd = mkdtempSync(join(tmpdir(), 'phi-vault-config-startup-'));
  return runToExit(process.execPath, [MAIN], { cwd, env });
}

const problemLines = (outcome: Outcome) => outcome.stderr.split('\n').filter((line) => line !== '');

function expectOneLinePerProblem(outcome: Outcome, variables: string[]) {
  expect(outcome.code).toBe(1);
  const lines = problemLines(outcome);
  expect(lines).toHaveLength(variables.length);
  for (const line of lines) expect(line).toMatch(/^phi-vault: configuration error: [A-Z_]+[ :]/);
  for (const variable of variables) {
    expect(lines.filter((line) => line.startsWith(`phi-vault: configuration error: ${variable}:`)), variable).toHaveLength(1);
  }
}

function expectNoSecret(outcome: Outcome) {
  const printed = outcome.stdout + outcome.stderr;
  expect(printed).not.toContain(BAD_MASTER_KEY);
  expect(printed).not.toContain('Secret-Sentinel');
  expect(printed).not.toContain(DB_PASSWORD);
}

describe('the built server refuses a bad environment: exit 1, one specific line per problem, no secret printed', () => {
  it('names every missing required variable outside dev mode', async () => {
    const outcome = await startWith({});
    expectOneLinePerProblem(outcome, ['DATABASE_URL', 'REDIS_URL', 'VAULT_MASTER_KEY', 'AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_PUBLIC_KEY_FILE or AUTH_JWKS_URL']);
    expect(outcome.stderr).toContain('VAULT_MASTER_KEY: required outside dev mode');
  });

  it('names every malformed variable, without echoing the master key or the database password', async () => {
    const outcome = await startWith({
      DATABASE_URL: `postgresql://vault:${DB_PASSWORD}@/%%%`,
      REDIS_URL: 'http://cache.internal:6379',
      VAULT_MASTER_KEY: BAD_MASTER_KEY,
      AUTH_ISSUER: 'https://idp.example.org',
      AUTH_AUDIENCE: 'phi-vault',
      AUTH_JWKS_URL: 'http://idp.example.org/certs',
      PORT: 'eighty',
      LOG_LEVEL: 'chatty',
    });
    expectOneLinePerProblem(outcome, ['DATABASE_URL', 'REDIS_URL', 'VAULT_MASTER_KEY', 'AUTH_JWKS_URL', 'PORT', 'LOG_LEVEL']);
    expect(outcome.stderr).toContain('VAULT_MASTER_KEY: must be standard base64');
    expect(outcome.stderr).toContain('AUTH_JWKS_URL: must start with https://');
    expectNoSecret(outcome);
  });

  it('a well-formed master key of the wrong length is refused by its length, not printed', async () => {
    const shortKey = Buffer.from('Secret-Sentinel-16b').toString('base64');
    const outcome = await startWith({
      DATABASE_URL: 'postgresql://vault@127.0.0.1:1/phi_vault',
      REDIS_URL: 'redis://127.0.0.1:1',
      VAULT_MASTER_KEY: shortKey,
      AUTH_ISSUER: 'https://idp.example.org',
      AUTH_AUDIENCE: 'phi-vault',
      AUTH_JWKS_URL: 'https://idp.example.org/certs',
    });
    expectOneLinePerProblem(outcome, ['VAULT_MASTER_KEY']);
    expect(outcome.stderr).toMatch(/must decode to exactly 32 bytes \(it decodes to 19\)/);
    expect(outcome.stdout + outcome.stderr).not.toContain(shortKey);
  });
});
