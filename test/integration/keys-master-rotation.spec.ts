import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { kekId } from '../../src/crypto/envelope.js';
import { withSql } from '../support/db-inspect.js';
import { createSigner, type Signer } from '../support/jwt.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestVault, type TestVault } from '../support/vault.js';

const OLD = randomBytes(32).toString('base64');
const NEW = randomBytes(32).toString('base64');
const idOf = (base64: string) => kekId(Buffer.from(base64, 'base64'));

describe('master-key rotation (VAULT_MASTER_KEY_PREVIOUS)', () => {
  let database: TestDatabase;
  let signer: Signer;
  let tokens: string[];
  const values = ['02139', '94110', '60601'];

  beforeAll(async () => {
    database = await createTestDatabase();
    signer = createSigner();
    const vault = await startTestVault({ database, signer, env: { VAULT_MASTER_KEY: OLD } });
    tokens = await tokenize(vault, values);
    expect((await rotate(vault)).version).toBe(2); // two data-key versions and the index root, all to re-wrap
    tokens.push(...(await tokenize(vault, ['73301'])));
    values.push('73301');
    await vault.close();
  });
  afterAll(async () => {
    await database?.drop();
  });

  const start = (env: Record<string, string>) => startTestVault({ database, signer, env });
  async function tokenize(vault: TestVault, zips: readonly string[]): Promise<string[]> {
    const auth = await vault.bearer('svc', ['service'], ['vault:tokenize']);
    const response = await vault.http().post('/v1/tokenize').set('Authorization', auth).send({ items: zips.map((value) => ({ type: 'zip', value })) });
    expect(response.status).toBe(200);
    return response.body.items.map((item: { token: string }) => item.token);
  }
  async function reveal(vault: TestVault, list: readonly string[]): Promise<string[]> {
    const auth = await vault.bearer('svc', ['service'], ['vault:detokenize']);
    const response = await vault.http().post('/v1/detokenize').set('Authorization', auth).send({ tokens: list, purpose: 'operations', justification: 'master key rotation' });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body.items.map((item: { value: string }) => item.value);
  }
  async function rotate(vault: TestVault): Promise<{ version: number }> {
    const response = await vault.http().post('/v1/admin/keys/rotate').set('Authorization', await vault.bearer('officer', ['admin'], ['vault:admin']));
    return response.body;
  }
  const kekIds = () => withSql(database.url, async (query) => (await query<{ kek_id: string }>('SELECT DISTINCT kek_id FROM wrapped_keys')).map((row) => row.kek_id));
  const rewrapEvents = (url = database.url) =>
    withSql(url, (query) =>
      query<{ actor_sub: string; outcome: string; details: Record<string, unknown> }>(
        "SELECT actor_sub, outcome, details FROM audit_events WHERE action = 'rotate' AND details->>'operation' = 'rewrap' ORDER BY seq",
      ),
    );

  it('a start with the new key and the previous one re-wraps every stored key under the new key; values are untouched', async () => {
    const before = await withSql(database.url, (query) => query<{ token_key: string; ciphertext: Buffer }>('SELECT token_key, ciphertext FROM tokens ORDER BY 1'));
    expect(await kekIds()).toEqual([idOf(OLD)]);
    const vault = await start({ VAULT_MASTER_KEY: NEW, VAULT_MASTER_KEY_PREVIOUS: OLD });
    try {
      expect(await kekIds()).toEqual([idOf(NEW)]);
      expect(await reveal(vault, tokens)).toEqual(values);
      const after = await withSql(database.url, (query) => query<{ token_key: string; ciphertext: Buffer }>('SELECT token_key, ciphertext FROM tokens ORDER BY 1'));
      expect(after).toEqual(before); // master-key rotation never touches a value
      const logs = vault.logs.join('');
      expect(logs).toContain('re-wrapped stored keys under VAULT_MASTER_KEY');
      expect(logs).not.toContain(OLD);
      expect(logs).not.toContain(NEW);
    } finally {
      await vault.close();
    }
  });

  it('records the re-wrap as one system rotate event with the versions and key ids, never a key, and the chain verifies', async () => {
    const events = await rewrapEvents();
    expect(events).toEqual([
      {
        actor_sub: 'phi-vault',
        outcome: 'allowed',
        details: { operation: 'rewrap', fromKekId: idOf(OLD), toKekId: idOf(NEW), dataKeyVersions: [1, 2], indexRoot: true },
      },
    ]);
    const table = await withSql(database.url, async (query) => JSON.stringify(await query('SELECT * FROM audit_events')));
    for (const key of [OLD, NEW]) {
      expect(table).not.toContain(key);
      expect(table).not.toContain(Buffer.from(key, 'base64').toString('hex'));
    }
    const vault = await start({ VAULT_MASTER_KEY: NEW });
    try {
      const verified = await vault.http().get('/v1/audit/verify').set('Authorization', await vault.bearer('compliance', ['compliance'], ['audit:read']));
      expect(verified.body).toMatchObject({ valid: true });
    } finally {
      await vault.close();
    }
  });

  it('no audit record, no re-wrap: with the audit log failing the start goes on under both keys, and the re-wrap follows once it can be recorded', async () => {
    const fresh = await createTestDatabase();
    try {
      const seeding = await startTestVault({ database: fresh, signer, env: { VAULT_MASTER_KEY: OLD } });
      const issued = await tokenize(seeding, ['02138']);
      await seeding.close();
      const sql = (script: string) => withSql(fresh.url, (query) => query(script));
      await sql(`CREATE FUNCTION test_audit_down() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit storage unavailable (test)'; END $$;
        CREATE TRIGGER test_audit_down BEFORE INSERT ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION test_audit_down()`);
      const freshKekIds = () => withSql(fresh.url, async (query) => (await query<{ kek_id: string }>('SELECT DISTINCT kek_id FROM wrapped_keys')).map((row) => row.kek_id));
      const vault = await startTestVault({ database: fresh, signer, env: { VAULT_MASTER_KEY: NEW, VAULT_MASTER_KEY_PREVIOUS: OLD } });
      try {
        expect(vault.logs.join('')).toContain('master-key rotation postponed');
        expect(await freshKekIds()).toEqual([idOf(OLD)]);
        expect(await rewrapEvents(fresh.url)).toEqual([]);
        await sql('DROP TRIGGER test_audit_down ON audit_events; DROP FUNCTION test_audit_down()');
        // The next key reload (every second) re-wraps, now audited.
        await vi.waitFor(async () => expect(await freshKekIds()).toEqual([idOf(NEW)]), { timeout: 15_000, interval: 200 });
        expect(await rewrapEvents(fresh.url)).toEqual([expect.objectContaining({ details: expect.objectContaining({ operation: 'rewrap', dataKeyVersions: [1] }) })]);
        expect(await reveal(vault, issued)).toEqual(['02138']);
      } finally {
        await vault.close();
      }
    } finally {
      await fresh.drop();
    }
  });

  it('a second start with both keys finds nothing left to re-wrap, and the new key alone then suffices', async () => {
    const again = await start({ VAULT_MASTER_KEY: NEW, VAULT_MASTER_KEY_PREVIOUS: OLD });
    expect(again.logs.join('')).not.toContain('re-wrapped');
    await again.close();
    expect(await rewrapEvents()).toHaveLength(1); // nothing re-wrapped, nothing recorded
    const vault = await start({ VAULT_MASTER_KEY: NEW });
    try {
      expect(await reveal(vault, tokens)).toEqual(values);
      const fresh = await tokenize(vault, ['10001']);
      expect(await reveal(vault, fresh)).toEqual(['10001']);
    } finally {
      await vault.close();
    }
  });

  it('the old key alone no longer starts the vault, and neither does an unrelated key beside the old one', async () => {
    await expect(start({ VAULT_MASTER_KEY: OLD })).rejects.toThrow(/^VAULT_MASTER_KEY is not the key that wrapped this vault's data keys \(kek id differs\)$/);
    await expect(start({ VAULT_MASTER_KEY: randomBytes(32).toString('base64'), VAULT_MASTER_KEY_PREVIOUS: OLD })).rejects.toThrow(
      /VAULT_MASTER_KEY is not the key that wrapped .*, and neither is VAULT_MASTER_KEY_PREVIOUS/,
    );
    expect(await kekIds()).toEqual([idOf(NEW)]); // a refused start changes nothing
  });

  it('during a rolling change, an instance still on the old key keeps serving while another re-wraps under the new one', async () => {
    const fresh = await createTestDatabase();
    const old = await startTestVault({ database: fresh, signer, env: { VAULT_MASTER_KEY: OLD } });
    let upgraded: TestVault | undefined;
    try {
      const early = await tokenize(old, ['33101']);
      upgraded = await startTestVault({ database: fresh, signer, env: { VAULT_MASTER_KEY: NEW, VAULT_MASTER_KEY_PREVIOUS: OLD } });
      await new Promise((resolve) => setTimeout(resolve, 1_500)); // the old instance reloads and meets keys it cannot unwrap
      const late = await tokenize(old, ['33102']);
      expect(await reveal(old, [...early, ...late])).toEqual(['33101', '33102']);
      expect(await reveal(upgraded, [...early, ...late])).toEqual(['33101', '33102']);
      const all = await withSql(fresh.url, async (query) => (await query<{ kek_id: string }>('SELECT DISTINCT kek_id FROM wrapped_keys')).map((row) => row.kek_id));
      expect(all).toEqual([idOf(NEW)]);
      expect(await rewrapEvents(fresh.url)).toHaveLength(1);
    } finally {
      await upgraded?.close();
      await old.close();
      await fresh.drop();
    }
  });
});
