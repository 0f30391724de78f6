import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_AUDIENCE, DEV_ISSUER, devSecretPaths, ensureDevSecrets } from '../../src/config/dev-secrets.js';
import { startTestVault, type TestVault } from '../support/vault.js';

const KEYS_CLI = fileURLToPath(new URL('../../dist/cli/keys.js', import.meta.url));

/** Runs the built `npm run keys` (dist/cli/keys.js) with only the given environment; never a TTY here. */
function keys(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [KEYS_CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

async function listen(vault: TestVault): Promise<string> {
  await vault.app.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${(vault.app.getHttpServer().address() as AddressInfo).port}`;
}

describe('npm run keys', () => {
  let vault: TestVault;
  let url: string;
  let token: string;
  // A vault with real keys configured: the CLI must not mint tokens, only use the one it is given.
  const production = { AUTH_PUBLIC_KEY_FILE: '/dev/null', VAULT_DEV_MODE: 'false' };

  beforeAll(async () => {
    vault = await startTestVault();
    url = await listen(vault);
    token = (await vault.bearer('key-officer', ['admin'], ['vault:admin'])).slice('Bearer '.length);
    const service = await vault.bearer('svc', ['service'], ['vault:tokenize']);
    const items = Array.from({ length: 1200 }, (_, i) => ({ type: 'mrn', value: `CLI-${String(i).padStart(5, '0')}` }));
    for (let start = 0; start < items.length; start += 600) {
      expect((await vault.http().post('/v1/tokenize').set('Authorization', service).send({ mode: 'random', items: items.slice(start, start + 600) })).status).toBe(200);
    }
  });
  afterAll(async () => {
    await vault?.close();
  });

  it('rotate: prints the new version', async () => {
    const result = await keys(['rotate', '--url', url, '--token', token], production);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('data-key version 2 is current');
  });

  it('reencrypt: follows the job to the end, with progress lines when not on a terminal', async () => {
    const result = await keys(['reencrypt', '--url', url], { ...production, VAULT_TOKEN: token });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/re-encryption job [0-9a-f-]{36}\n/);
    expect(result.stdout).toMatch(/: done, 1200\/1200 rows re-encrypted to version 2 or later/);
    expect(result.stderr).toMatch(/re-encrypting: 100% \(1,200\/1,200 rows\)\n$/);
    expect(result.stderr).not.toContain('\r'); // no bar redrawing outside a TTY
  });

  it('status: each version with its rows, the old one retired; and one job by id', async () => {
    const result = await keys(['status', '--url', url, '--token', token], production);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('current: v2');
    expect(result.stdout).toMatch(/v1\s+0 rows .* retired /);
    expect(result.stdout).toMatch(/v2\s+1200 rows .* current/);
    const started = await keys(['reencrypt', '--no-wait', '--url', url, '--token', token], production);
    const jobId = /job ([0-9a-f-]{36})/.exec(started.stdout)?.[1] as string;
    const job = await keys(['status', jobId, '--wait', '--url', url, '--token', token], production);
    expect(job.code).toBe(0);
    expect(job.stdout).toContain(`job ${jobId}: done`);
  });

  it('fails with one clear line: no token outside dev mode, a token without the scope, an unreachable vault', async () => {
    const noToken = await keys(['status', '--url', url], production);
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(/^phi-vault: a token with the scope vault:admin is needed: --token or VAULT_TOKEN/);
    const weak = (await vault.bearer('svc', ['service'], ['vault:tokenize'])).slice('Bearer '.length);
    const forbidden = await keys(['rotate', '--url', url, '--token', weak], production);
    expect(forbidden).toMatchObject({ code: 1, stderr: 'phi-vault: Not allowed: This call needs the scope vault:admin.\n' });
    const unreachable = await keys(['status', '--url', 'http://127.0.0.1:9', '--token', token], production);
    expect(unreachable.stderr).toMatch(/^phi-vault: could not reach the vault at http:\/\/127\.0\.0\.1:9: ECONNREFUSED\n$/);
    const unknown = await keys(['spin'], production);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('usage: npm run keys');
  });
});

describe('npm run keys in dev mode', () => {
  let vault: TestVault;
  let url: string;
  const stateDir = mkdtempSync(join(tmpdir(), 'phi-vault-keys-dev-'));

  beforeAll(async () => {
    ensureDevSecrets(stateDir);
    // A vault trusting dev mode's signing key, as `npm start` runs it.
    vault = await startTestVault({ env: { AUTH_PUBLIC_KEY_FILE: devSecretPaths(stateDir).jwtPublicKey, AUTH_ISSUER: DEV_ISSUER, AUTH_AUDIENCE: DEV_AUDIENCE } });
    url = await listen(vault);
  });
  afterAll(async () => {
    await vault?.close();
  });

  it('mints an admin token with the dev key when none is given (the same helper as npm run token)', async () => {
    const result = await keys(['status', '--url', url], { VAULT_DEV_MODE: 'true', VAULT_STATE_DIR: stateDir });
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('current: v1');
  });
});
