import { createPrivateKey, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnVaultProcess, type VaultProcess } from '../support/vault-process.js';

/** Dev mode with no DATABASE_URL and no REDIS_URL: embedded PGlite and an in-process cache, as a newcomer gets. */
describe('embedded mode (dev mode without servers)', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'phi-vault-embedded-'));
  const env = { VAULT_DEV_MODE: 'true', VAULT_STATE_DIR: stateDir };
  let vault: VaultProcess;
  let auth: string;

  beforeAll(async () => {
    vault = await spawnVaultProcess(env, 60_000);
    const key = createPrivateKey(readFileSync(join(stateDir, 'jwt-private.pem')));
    const jwt = await new SignJWT({ roles: ['service'], scope: 'vault:tokenize vault:detokenize audit:read' })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer('phi-vault-dev')
      .setAudience('phi-vault')
      .setSubject('newcomer')
      .setExpirationTime('10m')
      .sign(key);
    auth = `Bearer ${jwt}`;
  }, 90_000);
  afterAll(async () => {
    await vault?.stop();
  });

  const call = async (base: string, path: string, body: unknown) => {
    const response = await fetch(`${base}${path}`, { method: 'POST', headers: { Authorization: auth, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const read = async (base: string, path: string) => {
    const response = await fetch(`${base}${path}`, { headers: { Authorization: auth } });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  /** The chain verifies, and covers exactly the events the audit API lists. */
  const expectAuditChainIntact = async (base: string) => {
    const events = await read(base, '/v1/audit/events?limit=500');
    expect(events.status).toBe(200);
    const verify = await read(base, '/v1/audit/verify');
    expect(verify.status).toBe(200);
    expect(verify.body).toMatchObject({ valid: true, events: events.body.items.length });
    return events.body.items as { action: string; tokens: string[] }[];
  };

  it('says which backends it uses', async () => {
    const ready = (await (await fetch(`${vault.url}/health/ready`)).json()) as Record<string, any>;
    expect(ready).toMatchObject({ status: 'ok', checks: { postgres: 'up', redis: 'in-process' } });
    expect(ready.backends.database).toMatch(/embedded/);
    expect(vault.output.join('')).toMatch(/one process on one machine/);
  });

  it('tokenizes and detokenizes, and the data survives a restart', async () => {
    const tokenized = await call(vault.url, '/v1/tokenize', { items: [{ type: 'ssn', value: '123-45-6789' }, { type: 'name', value: 'Luisa Hegmann' }] });
    expect(tokenized.status).toBe(200);
    const tokens = tokenized.body.items.map((item: { token: string }) => item.token);
    const before = await call(vault.url, '/v1/detokenize', { tokens, purpose: 'treatment', justification: 'Trying the embedded mode' });
    expect(before.status, vault.output.join('')).toBe(200);
    expect(before.body.items.map((item: { value: string }) => item.value)).toEqual(['123-45-6789', 'Luisa Hegmann']);
    const audited = await expectAuditChainIntact(vault.url);
    expect(audited.filter((event) => event.action === 'tokenize').map((event) => event.tokens)).toContainEqual(tokens);
    expect(audited.filter((event) => event.action === 'detokenize').map((event) => event.tokens)).toContainEqual(tokens);

    expect(await vault.stop()).toBe(0);
    vault = await spawnVaultProcess(env, 60_000);
    const after = await call(vault.url, '/v1/detokenize', { tokens, purpose: 'treatment', justification: 'After a restart' });
    expect(after.status).toBe(200);
    expect(after.body.items.map((item: { value: string }) => item.value)).toEqual(['123-45-6789', 'Luisa Hegmann']);
    // Deterministic mode still finds the stored value: the same token again.
    const again = await call(vault.url, '/v1/tokenize', { items: [{ type: 'ssn', value: '123456789' }] });
    expect(again.body.items[0].token).toBe(tokens[0].replaceAll('-', ''));
    await expectAuditChainIntact(vault.url);
  }, 120_000);

  it('refuses a second process on the same embedded data directory', async () => {
    await expect(spawnVaultProcess(env, 30_000)).rejects.toThrow(/in use by process/);
  }, 60_000);

  it('closes the embedded database when a start fails after opening it, and leaves no lock behind', async () => {
    expect(await vault.stop()).toBe(0);
    const masterKey = join(stateDir, 'master.key');
    const rightKey = readFileSync(masterKey, 'utf8');
    writeFileSync(masterKey, `${randomBytes(32).toString('base64')}\n`);
    const failure = await spawnVaultProcess(env, 60_000).then(
      () => 'started',
      (error: Error) => error.message,
    );
    // One line saying why (spawnVaultProcess quotes the output after its own first line).
    expect(failure.split('\n').filter((line) => line.startsWith('phi-vault: could not start:'))).toEqual([
      expect.stringMatching(/^phi-vault: could not start: VAULT_MASTER_KEY is not the key/),
    ]);
    expect(existsSync(join(stateDir, 'pgdata.lock'))).toBe(false);

    writeFileSync(masterKey, rightKey);
    vault = await spawnVaultProcess(env, 60_000);
    await expectAuditChainIntact(vault.url);
  }, 180_000);
});
