import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows, withSql } from '../support/db-inspect.js';
import { createSigner } from '../support/jwt.js';
import { plaintextPattern } from '../support/plaintext-pattern.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestVault, type TestVault } from '../support/vault.js';

const VALUES = { ssn: '219-09-9999', name: 'Carolee Wisoky', email: 'carolee.wisoky@example.com', text: 'Diagnosed with type 2 diabetes in 2019' };

describe('what is stored, and how it fails when tampered with', () => {
  let vault: TestVault;
  let auth: string;
  let tokens: Record<keyof typeof VALUES, string>;

  beforeAll(async () => {
    // Rows are tampered with in SQL behind the vault's back: no cache, so every read sees the table.
    vault = await startTestVault({ env: { VAULT_CACHE_TTL_SECONDS: '0' } });
    auth = await vault.bearer('svc', ['service'], ['vault:tokenize', 'vault:detokenize']);
    const response = await vault
      .http()
      .post('/v1/tokenize')
      .set('Authorization', auth)
      .send({ items: Object.entries(VALUES).map(([type, value]) => ({ type, value })) });
    const issued = response.body.items.map((item: { token: string }) => item.token);
    tokens = { ssn: issued[0], name: issued[1], email: issued[2], text: issued[3] };
  });
  afterAll(async () => {
    await vault?.close();
  });

  const detokenize = (list: string[]) =>
    vault.http().post('/v1/detokenize').set('Authorization', auth).send({ tokens: list, purpose: 'operations', justification: 'integrity check run' });

  it('stores no plaintext: a dump of every table contains none of the values', async () => {
    const dump = await withSql(vault.database.url, async (query) => {
      const tables = ['tokens', 'audit_events', 'wrapped_keys'];
      const rows: unknown[] = [];
      for (const table of tables) rows.push(await query(`SELECT * FROM ${table}`)); // one connection: one query at a time
      return JSON.stringify(rows, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
    });
    for (const value of Object.values(VALUES)) {
      expect(dump).not.toContain(value);
      expect(dump.toLowerCase()).not.toContain(value.toLowerCase());
      expect(dump).not.toContain(Buffer.from(value).toString('hex'));
    }
    expect(dump).not.toContain('219099999');
  });

  it('a ciphertext copied onto another row does not decrypt there: the call fails and reveals nothing', async () => {
    await withSql(vault.database.url, (query) =>
      query("UPDATE tokens SET ciphertext = (SELECT ciphertext FROM tokens WHERE type = 'ssn') WHERE type = 'name'"),
    );
    const response = await detokenize([tokens.name]);
    expect(response.status).toBe(500);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.text).not.toContain(VALUES.ssn);
    expect(response.text).not.toContain(VALUES.name);
    // The row it came from still decrypts: the damage is contained to the tampered row.
    expect((await detokenize([tokens.ssn])).body.items[0].value).toBe(VALUES.ssn);
  });

  it('a flipped bit in a ciphertext fails authentication', async () => {
    await withSql(vault.database.url, (query) =>
      query("UPDATE tokens SET ciphertext = set_byte(ciphertext, 20, get_byte(ciphertext, 20) # 1) WHERE type = 'email'"),
    );
    const response = await detokenize([tokens.email]);
    expect(response.status).toBe(500);
    expect(response.text).not.toContain('carolee');
  });

  it('a row relabelled with another type does not decrypt', async () => {
    await withSql(vault.database.url, (query) => query("UPDATE tokens SET type = 'mrn' WHERE type = 'text'"));
    const response = await detokenize([tokens.text]);
    // The token no longer parses as an MRN rendering, or its ciphertext no longer authenticates: never a value.
    expect(response.text).not.toContain('diabetes');
  });
});

describe('token space exhaustion', () => {
  let vault: TestVault;
  beforeAll(async () => {
    vault = await startTestVault();
  });
  afterAll(async () => {
    await vault?.close();
  });

  it('fails with a clear 409 instead of looping when every token of a layout is taken, storing nothing', async () => {
    // A four-digit MRN has 10,000 possible tokens. Take them all.
    await withSql(vault.database.url, (query) =>
      query(`INSERT INTO tokens (token_key, type, token, ciphertext, key_version)
             SELECT lpad(i::text, 4, '0'), 'mrn', lpad(i::text, 4, '0'), '\\x00'::bytea, 1 FROM generate_series(0, 9999) AS i`),
    );
    const before = await countRows(vault.database.url, 'tokens');
    const auth = await vault.bearer('svc', ['service'], ['vault:tokenize']);
    const response = await vault
      .http()
      .post('/v1/tokenize')
      .set('Authorization', auth)
      .send({ items: [{ type: 'zip', value: '02139' }, { type: 'mrn', value: '1234' }] });
    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ code: 'token_space_exhausted' });
    expect(response.body.detail).toMatch(/mrn/);
    expect(response.text).not.toMatch(plaintextPattern('1234')); // not inside the request id's hex
    expect(await countRows(vault.database.url, 'tokens')).toBe(before); // the zip was not stored either
  });
});

describe('master key', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('refuses to start with a master key other than the one that wrapped the data keys', async () => {
    const first = await startTestVault({ database });
    await first.close();
    await expect(startTestVault({ database, env: { VAULT_MASTER_KEY: randomBytes(32).toString('base64') } })).rejects.toThrow(
      /VAULT_MASTER_KEY is not the key that wrapped/,
    );
  });

  it('two instances starting together on an empty vault agree on one set of keys', async () => {
    const fresh = await createTestDatabase();
    const masterKey = randomBytes(32).toString('base64');
    const signer = createSigner(); // passport's strategy registry is per process: vaults in one process share a signer
    const [a, b] = await Promise.all([
      startTestVault({ database: fresh, signer, env: { VAULT_MASTER_KEY: masterKey } }),
      startTestVault({ database: fresh, signer, env: { VAULT_MASTER_KEY: masterKey } }),
    ]);
    const keys = await withSql(fresh.url, (query) => query<{ purpose: string; version: number }>('SELECT purpose, version FROM wrapped_keys ORDER BY 1, 2'));
    expect(keys).toEqual([{ purpose: 'data', version: 1 }, { purpose: 'index', version: 1 }]);
    // Each can read what the other wrote.
    const authA = await a.bearer('svc', ['service'], ['vault:tokenize', 'vault:detokenize']);
    const authB = await b.bearer('svc', ['service'], ['vault:tokenize', 'vault:detokenize']);
    const issued = await a.http().post('/v1/tokenize').set('Authorization', authA).send({ items: [{ type: 'zip', value: '30301' }] });
    expect(issued.status, JSON.stringify(issued.body)).toBe(200);
    const token = issued.body.items[0].token;
    const revealed = await b.http().post('/v1/detokenize').set('Authorization', authB).send({ tokens: [token], purpose: 'operations', justification: 'cross-instance check' });
    expect(revealed.body.items[0].value).toBe('30301');
    await a.close();
    await b.close();
    await fresh.drop();
  });
});
