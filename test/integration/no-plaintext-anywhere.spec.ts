import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedisUrl } from '../support/database-urls.js';
import { withSql } from '../support/db-inspect.js';
import { startTestVault, type TestVault } from '../support/vault.js';

/** One value of every type, with forms a leak could take (separators dropped, case folded). */
const VALUES = [
  { type: 'ssn', value: '219-09-9999' },
  { type: 'phone', value: '(617) 555-0117' },
  { type: 'email', value: 'henrietta.lacks@example.org' },
  { type: 'date', value: '1920-08-01' },
  { type: 'name', value: 'Henrietta Lacks' },
  { type: 'zip', value: '21218-4420' },
  { type: 'mrn', value: 'MRN-8841-0032' },
  { type: 'pan', value: '4556 7375 8689 9855' },
  { type: 'text', value: 'Cervical biopsy sample, Johns Hopkins 1951' },
] as const;
const NEEDLES = VALUES.flatMap(({ value }) => [value, value.replace(/[^\p{L}\p{N}]/gu, ''), value.toLowerCase()]).filter((needle) => needle.length >= 5);

/**
 * CONTRACT section 7: plaintext values never appear in PostgreSQL, Redis, logs or metrics. One mixed run
 * through every path that handles values, then a scan of everything each store holds.
 */
describe('after a mixed run, no plaintext value in PostgreSQL, Redis, the logs or the metrics', () => {
  let vault: TestVault;
  let store = '';
  beforeAll(async () => {
    vault = await startTestVault();
    const all = await vault.bearer('scan-all', ['service'], ['vault:tokenize', 'vault:detokenize', 'vault:break_glass', 'vault:admin', 'audit:read']);
    const clinician = await vault.bearer('scan-dr', ['clinician'], ['vault:detokenize', 'vault:break_glass']);
    const post = (path: string, auth: string, body: object) => vault.http().post(path).set('Authorization', auth).send(body);
    const reason = { purpose: 'treatment', justification: 'Scanning every store for a leaked value, on purpose' };

    const items = VALUES.map(({ type, value }) => ({ type, value, patientRef: 'P-SCAN', tags: type === 'name' ? ['restricted'] : [] }));
    const deterministic = (await post('/v1/tokenize', all, { items })).body.items.map((item: { token: string }) => item.token);
    const random = (await post('/v1/tokenize', all, { mode: 'random', items: VALUES.map(({ type, value }) => ({ type, value })) })).body.items.map((item: { token: string }) => item.token);
    await post('/v1/tokenize', all, { mode: 'fpe', items: [{ type: 'ssn', value: VALUES[0].value }] });
    for (const tokens of [deterministic, random]) {
      expect((await post('/v1/detokenize', all, { tokens, ...reason })).status).toBe(200);
      expect((await post('/v1/detokenize', clinician, { tokens, ...reason, reveal: 'masked' })).status).toBe(200);
    }
    expect((await post('/v1/detokenize', clinician, { tokens: deterministic, ...reason, breakGlass: true })).status).toBe(200);
    await post('/v1/tokenize', all, { items: [{ type: 'ssn', value: 'not an ssn' }] }); // a 422 on the way
    const deid = await vault
      .http()
      .post('/v1/deidentify?policy=safe-harbor')
      .set('Authorization', all)
      .set('Content-Type', 'application/x-ndjson')
      .send(`${JSON.stringify({ NAME: VALUES[4].value, SSN: VALUES[0].value, BIRTHDATE: VALUES[3].value, PHONE: VALUES[1].value, MRN: VALUES[6].value })}\n`);
    expect(deid.status).toBe(200);
    await vault.http().put('/v1/policies/scan').set('Authorization', all).send({ rules: [{ path: '$.SSN', action: 'tokenize', type: 'ssn' }] });
    expect((await vault.http().delete(`/v1/tokens/${encodeURIComponent(random[0])}`).set('Authorization', all).send({ purpose: 'legal', justification: 'Erasure as part of the scan' })).status).toBe(200);
    expect((await vault.http().get('/v1/audit/export').set('Authorization', all)).status).toBe(200);

    const database = await withSql(vault.database.url, async (query) => {
      const tables = await query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'`);
      const dumps: unknown[] = [];
      for (const { name } of tables) dumps.push(await query(`SELECT * FROM "${name}"`)); // one connection: one query at a time
      return JSON.stringify(dumps, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value));
    });
    const redis = new Redis(testRedisUrl());
    try {
      const keys = await redis.keys(`${vault.env.REDIS_KEY_PREFIX}*`);
      expect(keys.length).toBeGreaterThan(0);
      const values = await Promise.all(keys.map(async (key) => ((await redis.type(key)) === 'string' ? redis.get(key) : JSON.stringify(await redis.zrange(key, '0', '-1')))));
      store = JSON.stringify({ database, keys, values, metrics: (await vault.http().get('/metrics')).text });
    } finally {
      redis.disconnect();
    }
  });
  afterAll(async () => {
    await vault?.close();
  });

  it('the stores were actually read (tokens, audit events, cache entries)', () => {
    expect(store).toContain(':tc:t:');
    expect(store).toContain('P-SCAN');
    expect(store.length).toBeGreaterThan(10_000);
  });

  it.each(NEEDLES)('%j is nowhere in PostgreSQL, Redis or the metrics', (needle) => {
    expect(store).not.toContain(needle);
  });

  it.each(NEEDLES)('%j is in no log line', (needle) => {
    expect(vault.logs.join('\n')).not.toContain(needle);
  });
});
