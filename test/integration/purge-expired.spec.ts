import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ExpiredTokenPurge } from '../../src/erasure/expired-token-purge.js';
import { PurgeWorker } from '../../src/erasure/purge-worker.js';
import { ERASE_BATCH_ROWS } from '../../src/erasure/token-eraser.js';
import { withSql } from '../support/db-inspect.js';
import { createSigner } from '../support/jwt.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestVault, type TestVault } from '../support/vault.js';

interface PurgeEventRow {
  actor_sub: string;
  action: string;
  purpose: string | null;
  tokens: string[];
  token_keys: string[];
  details: { reason?: string; erased?: number };
}

const sqlOn = <Row>(url: string, text: string, params: unknown[] = []) => withSql(url, (query) => query<Row>(text, params));

/** Text tokens (stored as they are rendered), random mode, so every value gets a row of its own. */
async function tokenizeTexts(vault: TestVault, count: number, label: string, extra: object = {}): Promise<string[]> {
  const auth = await vault.bearer('ingest-svc', ['service'], ['vault:tokenize', 'vault:detokenize']);
  const tokens: string[] = [];
  for (let start = 0; start < count; start += 1000) {
    const items = Array.from({ length: Math.min(1000, count - start) }, (_, index) => ({ type: 'text', value: `${label} ${start + index}`, ...extra }));
    const response = await vault.http().post('/v1/tokenize').set('Authorization', auth).send({ mode: 'random', items });
    expect(response.status).toBe(200);
    tokens.push(...response.body.items.map((item: { token: string }) => item.token));
  }
  return tokens;
}

/** The ttl API sets expires_at at least a minute ahead; the tests move it into the past directly. */
const expire = (url: string, tokens: readonly string[]) =>
  sqlOn(url, `UPDATE tokens SET expires_at = now() - interval '1 second' WHERE token = ANY($1::text[])`, [tokens]);

const purgeEvents = (url: string) => sqlOn<PurgeEventRow>(url, `SELECT * FROM audit_events WHERE action = 'delete' ORDER BY seq`);

const liveCount = async (url: string, tokens: readonly string[]) =>
  Number((await sqlOn<{ n: string }>(url, 'SELECT count(*) AS n FROM tokens WHERE erased_at IS NULL AND token = ANY($1::text[])', [tokens]))[0].n);

describe('purge of expired tokens, driven directly', () => {
  let vault: TestVault;
  beforeAll(async () => {
    vault = await startTestVault({ env: { VAULT_PURGE_INTERVAL_SECONDS: '0' } });
  });
  afterAll(async () => {
    await vault?.close();
  });

  it('erases rows whose expiry has passed, in audited system batches, and nothing else', async () => {
    const url = vault.database.url;
    const expired = await tokenizeTexts(vault, ERASE_BATCH_ROWS + 10, 'expired note', { patientRef: 'P-TTL', tags: ['ttl'] });
    const later = await tokenizeTexts(vault, 3, 'later note');
    const forever = await tokenizeTexts(vault, 3, 'kept note');
    await expire(url, expired);
    await sqlOn(url, `UPDATE tokens SET expires_at = now() + interval '1 hour' WHERE token = ANY($1::text[])`, [later]);

    const pass = await vault.app.get(ExpiredTokenPurge).purgeExpired();
    expect(pass).toEqual({ erased: ERASE_BATCH_ROWS + 10, batches: 2, interruptedBy: null });

    const rows = await sqlOn<{ ciphertext: Buffer | null; fingerprint: Buffer | null; patient_ref: string | null; tags: string[]; erased_at: Date | null }>(
      url,
      'SELECT ciphertext, fingerprint, patient_ref, tags, erased_at FROM tokens WHERE token = ANY($1::text[])',
      [expired],
    );
    expect(rows).toHaveLength(expired.length);
    expect(rows.every((row) => row.ciphertext === null && row.fingerprint === null && row.patient_ref === null && row.tags.length === 0 && row.erased_at !== null)).toBe(true);
    expect(await liveCount(url, [...later, ...forever])).toBe(6);

    const events = await purgeEvents(url);
    expect(events.map((event) => event.tokens.length)).toEqual([ERASE_BATCH_ROWS, 10]);
    for (const event of events) {
      expect(event).toMatchObject({ actor_sub: 'phi-vault', purpose: null, details: { reason: 'expired', erased: event.tokens.length } });
    }
    expect(new Set(events.flatMap((event) => event.tokens))).toEqual(new Set(expired));

    const auth = await vault.bearer('svc', ['service'], ['vault:detokenize']);
    const revealed = await vault.http().post('/v1/detokenize').set('Authorization', auth).send({ tokens: [expired[0], forever[0]], purpose: 'operations', justification: 'Checking the purge job' });
    expect(revealed.body.items.map((item: { reveal: string }) => item.reveal)).toEqual(['not_found', 'plain']);

    const auditor = await vault.bearer('auditor', ['compliance'], ['audit:read']);
    expect((await vault.http().get('/v1/audit/verify').set('Authorization', auditor)).body).toMatchObject({ valid: true });

    // Nothing left to purge: no work, no event.
    expect(await vault.app.get(ExpiredTokenPurge).purgeExpired()).toEqual({ erased: 0, batches: 0, interruptedBy: null });
    expect(await purgeEvents(url)).toHaveLength(2);
  });

  it('with the audit log down, a pass erases nothing and says so; the next pass does the work', async () => {
    const url = vault.database.url;
    const tokens = await tokenizeTexts(vault, 5, 'audit down note');
    await expire(url, tokens);
    await sqlOn(
      url,
      `CREATE FUNCTION test_audit_down() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit storage unavailable (test)'; END $$;
       CREATE TRIGGER test_audit_down BEFORE INSERT ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION test_audit_down()`,
    );
    try {
      expect(await vault.app.get(ExpiredTokenPurge).purgeExpired()).toEqual({ erased: 0, batches: 0, interruptedBy: 'error' });
      expect(await liveCount(url, tokens)).toBe(5);
    } finally {
      await sqlOn(url, 'DROP TRIGGER test_audit_down ON audit_events; DROP FUNCTION test_audit_down()');
    }
    expect(await vault.app.get(ExpiredTokenPurge).purgeExpired()).toMatchObject({ erased: 5, interruptedBy: null });
    expect(await liveCount(url, tokens)).toBe(0);
  });
});

describe('purge worker on its timer', () => {
  it('erases expired rows on the configured interval, and counts what it did', async () => {
    const vault = await startTestVault({ env: { VAULT_PURGE_INTERVAL_SECONDS: '1' } });
    try {
      const tokens = await tokenizeTexts(vault, 4, 'timer note');
      await expire(vault.database.url, tokens);
      await vi.waitFor(async () => expect(await liveCount(vault.database.url, tokens)).toBe(0), { timeout: 20_000, interval: 200 });
      expect(vault.app.get(PurgeWorker).totals.erased).toBeGreaterThanOrEqual(4);
      const events = await purgeEvents(vault.database.url);
      expect(events.flatMap((event) => event.tokens).sort()).toEqual([...tokens].sort());
    } finally {
      await vault.close();
    }
  });
});

describe('purge on several instances', () => {
  let database: TestDatabase;
  let first: TestVault;
  let second: TestVault;
  beforeAll(async () => {
    database = await createTestDatabase();
    // Two vaults in one process share a JWT signer (passport keeps one strategy registry per process).
    const signer = createSigner();
    first = await startTestVault({ database, signer, env: { VAULT_PURGE_INTERVAL_SECONDS: '0' } });
    second = await startTestVault({ database, signer, env: { VAULT_PURGE_INTERVAL_SECONDS: '0', VAULT_MASTER_KEY: first.env.VAULT_MASTER_KEY } });
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
    await database?.drop();
  });

  it('two instances purging at once erase and record every row exactly once', async () => {
    const tokens = await tokenizeTexts(first, 2000, 'shared note');
    await expire(database.url, tokens);
    const passes = await Promise.all([
      first.app.get(ExpiredTokenPurge).purgeExpired(),
      second.app.get(ExpiredTokenPurge).purgeExpired(),
      first.app.get(ExpiredTokenPurge).purgeExpired(),
      second.app.get(ExpiredTokenPurge).purgeExpired(),
    ]);
    expect(passes.every((pass) => pass.interruptedBy === null)).toBe(true);
    expect(passes.reduce((sum, pass) => sum + pass.erased, 0)).toBe(2000);
    expect(await liveCount(database.url, tokens)).toBe(0);
    const recorded = (await purgeEvents(database.url)).flatMap((event) => event.token_keys);
    expect(recorded).toHaveLength(2000);
    expect(new Set(recorded).size).toBe(2000);
  });

  it('shutdown mid-pass leaves every batch whole: each row is erased and recorded, or neither', async () => {
    const tokens = await tokenizeTexts(first, 1500, 'shutdown note');
    await expire(database.url, tokens);
    const stopping = await startTestVault({ database, signer: first.signer, env: { VAULT_PURGE_INTERVAL_SECONDS: '0', VAULT_MASTER_KEY: first.env.VAULT_MASTER_KEY } });
    const worker = stopping.app.get(PurgeWorker);
    const pass = worker.runPass();
    await stopping.app.close();
    const result = await pass;
    expect(result?.interruptedBy === 'shutdown' || result?.interruptedBy === null).toBe(true);
    const erased = tokens.length - (await liveCount(database.url, tokens));
    expect(erased).toBe(result?.erased);
    const mine = new Set(tokens);
    const recorded = (await purgeEvents(database.url)).flatMap((event) => event.tokens).filter((token) => mine.has(token));
    expect(recorded).toHaveLength(erased);
    expect(await worker.runPass()).toBeNull();
  });
});
