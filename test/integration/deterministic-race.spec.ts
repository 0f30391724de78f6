import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSql } from '../support/db-inspect.js';
import { startTestVault, type TestVault } from '../support/vault.js';
import { spawnVaultProcess, type VaultProcess } from '../support/vault-process.js';

describe('deterministic tokenization is race-free', () => {
  let vault: TestVault;
  let second: VaultProcess;
  let auth: string;

  beforeAll(async () => {
    vault = await startTestVault();
    second = await spawnVaultProcess(vault.env);
    auth = await vault.bearer('ingest', ['service'], ['vault:tokenize']);
  });
  afterAll(async () => {
    await second?.stop();
    await vault?.close();
  });

  const body = (value: string) => ({ items: [{ type: 'ssn', value }] });
  const viaInProcess = async (value: string) => (await vault.http().post('/v1/tokenize').set('Authorization', auth).send(body(value))).body.items[0].token as string;
  const viaChild = async (value: string) => {
    const response = await fetch(`${second.url}/v1/tokenize`, { method: 'POST', headers: { Authorization: auth, 'Content-Type': 'application/json' }, body: JSON.stringify(body(value)) });
    return ((await response.json()) as { items: { token: string }[] }).items[0].token;
  };
  const rowsFor = (tokens: string[]) =>
    withSql(vault.database.url, (query) => query<{ n: string }>('SELECT count(*) AS n FROM tokens WHERE token_key = ANY($1)', [tokens.map((t) => t.replaceAll('-', ''))]));

  it('20 concurrent requests for one new value get one token (one process)', async () => {
    const tokens = await Promise.all(Array.from({ length: 20 }, () => viaInProcess('555-12-3456')));
    expect(new Set(tokens).size).toBe(1);
    expect(Number((await rowsFor(tokens))[0].n)).toBe(1);
  });

  it('20 concurrent requests for one new value get one token across two processes', async () => {
    for (const value of ['555-12-0001', '555-12-0002', '555-12-0003']) {
      const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? viaInProcess(value) : viaChild(value))));
      expect(new Set(tokens).size, value).toBe(1);
      const rows = await withSql(vault.database.url, (query) => query<{ n: string }>("SELECT count(*) AS n FROM tokens WHERE type = 'ssn' AND token_key = $1", [tokens[0].replaceAll('-', '')]));
      expect(Number(rows[0].n)).toBe(1);
    }
    // The vault holds exactly one row per distinct value, nothing more.
    const all = await withSql(vault.database.url, (query) => query<{ n: string }>("SELECT count(*) AS n FROM tokens WHERE type = 'ssn'"));
    expect(Number(all[0].n)).toBe(4);
  });
});
