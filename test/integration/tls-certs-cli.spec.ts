import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSql } from '../support/db-inspect.js';
import { createSigner } from '../support/jwt.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { httpsJson } from '../support/tls-request.js';
import { testVaultEnv } from '../support/vault-env.js';
import { spawnVaultProcess, type VaultProcess } from '../support/vault-process.js';

const DIST = fileURLToPath(new URL('../../dist/cli/', import.meta.url));

function runCli(script: 'certs.js' | 'keys.js', args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(DIST, script), ...args], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

describe('npm run certs, then the built vault over mutual TLS', () => {
  const project = mkdtempSync(join(tmpdir(), 'phi-vault-certs-'));
  const certs = join(project, '.vault', 'certs');
  const pem = (name: string) => readFileSync(join(certs, name), 'utf8');
  let database: TestDatabase;
  let vault: VaultProcess;
  const signer = createSigner();
  let firstRun: { code: number; stdout: string; stderr: string };

  beforeAll(async () => {
    firstRun = await runCli('certs.js', [], project);
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await vault?.stop();
    await database?.drop();
  });

  it('writes a CA, a localhost server certificate and a client certificate under .vault/certs, keys readable by the owner only', () => {
    expect(firstRun).toMatchObject({ code: 0, stderr: '' });
    expect(statSync(certs).mode & 0o777).toBe(0o700);
    for (const name of ['ca-key.pem', 'server-key.pem', 'client-key.pem']) expect(statSync(join(certs, name)).mode & 0o777, name).toBe(0o600);
    for (const name of ['ca.pem', 'server.pem', 'client.pem']) expect(statSync(join(certs, name)).mode & 0o777, name).toBe(0o644);
  });

  it('prints the variables to set and a curl command using the files', () => {
    expect(firstRun.stdout).toContain('export VAULT_DEV_MODE=true TLS_CERT_FILE=.vault/certs/server.pem TLS_KEY_FILE=.vault/certs/server-key.pem TLS_CLIENT_CA_FILE=.vault/certs/ca.pem');
    expect(firstRun.stdout).toContain('curl --cacert .vault/certs/ca.pem --cert .vault/certs/client.pem --key .vault/certs/client-key.pem https://localhost:8080/health/ready');
    expect(firstRun.stdout).not.toContain('PRIVATE KEY');
  });

  it('keeps existing files unless --force', async () => {
    const before = pem('ca.pem');
    const again = await runCli('certs.js', [], project);
    expect(again.stdout).toContain('already exist');
    expect(pem('ca.pem')).toBe(before);
    const forced = await runCli('certs.js', ['--force'], project);
    expect(forced.code).toBe(0);
    expect(pem('ca.pem')).not.toBe(before);
  });

  it('the built server serves HTTPS with them and refuses a client without a certificate', async () => {
    vault = await spawnVaultProcess(testVaultEnv(database, signer, {
      TLS_CERT_FILE: join(certs, 'server.pem'),
      TLS_KEY_FILE: join(certs, 'server-key.pem'),
      TLS_CLIENT_CA_FILE: join(certs, 'ca.pem'),
    }));
    expect(vault.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const client = { ca: pem('ca.pem'), cert: pem('client.pem'), key: pem('client-key.pem') };
    expect((await httpsJson(`${vault.url}/health/ready`, client)).status).toBe(200);
    await expect(httpsJson(`${vault.url}/health/ready`, { ca: pem('ca.pem') })).rejects.toThrow(/alert certificate required/);
  });

  it('npm run keys works over mutual TLS, and the audit event names the client certificate', async () => {
    const token = await signer.mint({ sub: 'key-officer', roles: ['admin'], scope: 'vault:admin' });
    const files = ['--ca', join(certs, 'ca.pem'), '--cert', join(certs, 'client.pem'), '--key', join(certs, 'client-key.pem')];
    const rotated = await runCli('keys.js', ['rotate', '--url', vault.url, '--token', token, ...files], project, { AUTH_PUBLIC_KEY_FILE: signer.publicKeyFile });
    expect(rotated).toMatchObject({ code: 0, stderr: '' });
    const refused = await runCli('keys.js', ['status', '--url', vault.url, '--token', token, '--ca', join(certs, 'ca.pem')], project, { AUTH_PUBLIC_KEY_FILE: signer.publicKeyFile });
    expect(refused.code).toBe(1);
    const [event] = await withSql(database.url, (query) => query<{ details: Record<string, unknown> }>("SELECT details FROM audit_events WHERE action = 'rotate'"));
    expect(event.details).toMatchObject({ operation: 'rotate', version: 2, clientCertSubject: 'O=phi-vault development, CN=dev-client' });
  });
});
