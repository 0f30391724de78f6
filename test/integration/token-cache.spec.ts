import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenKey } from '../../src/formats/token-key.js';
import { withSql } from '../support/db-inspect.js';
import { startPrivateRedis, until, type PrivateRedis } from '../support/private-redis.js';
import { startTestVault, type TestVault } from '../support/vault.js';

const VALUES = { ssn: '123-45-6789', name: 'Maria Gonzalez', restrictedMrn: 'MRN-0042-7' };
const REASON = { purpose: 'treatment', justification: 'Checking the cache answers like the table' };

/** The cache against a Redis of the test's own, so the test can take it away from the running vault. */
describe('token cache', () => {
  let redis: PrivateRedis;
  let vault: TestVault;
  let service: string;
  let ingest: string;
  const prefix = () => vault.env.REDIS_KEY_PREFIX;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    vault = await startTestVault({ env: { REDIS_URL: redis.url } });
    service = await vault.bearer('cache-service', ['service'], ['vault:detokenize']);
    ingest = await vault.bearer('cache-ingest', ['service'], ['vault:tokenize']);
  });
  afterAll(async () => {
    await vault?.close();
    await redis?.close();
  });

  const tokenize = async (items: object[], mode = 'deterministic') => {
    const response = await vault.http().post('/v1/tokenize').set('Authorization', ingest).send({ items, mode });
    expect(response.status).toBe(200);
    return (response.body.items as { token: string }[]).map((item) => item.token);
  };
  const detokenize = (tokens: string[]) => vault.http().post('/v1/detokenize').set('Authorization', service).send({ tokens, ...REASON });
  const lookups = async (result: string): Promise<number> => {
    const text = (await vault.http().get('/metrics')).text;
    const line = text.split('\n').find((l) => l.startsWith(`phi_vault_token_cache_lookups_total{entry="record",result="${result}"}`));
    return line === undefined ? 0 : Number(line.split(' ').pop());
  };
  const cachedEntries = async () => {
    const keys = await redis.client.keys(`${prefix()}tc:t:*`);
    return keys.length === 0 ? [] : ((await redis.client.mget(...keys)) as string[]).map((value, i) => ({ key: keys[i], value }));
  };

  it('answers a hit exactly as it answered the miss that filled it', async () => {
    const tokens = await tokenize([
      { type: 'ssn', value: VALUES.ssn },
      { type: 'name', value: VALUES.name },
    ]);
    // Tokenize cached the new records; drop them (as their TTL would) so the first read is a real miss.
    for (const token of tokens) await redis.client.del(`${prefix()}tc:t:${tokenKey(token)}`);
    const hitsBefore = await lookups('hit');
    const miss = await detokenize(tokens);
    const hit = await detokenize(tokens);
    expect(miss.status).toBe(200);
    expect(miss.body.items).toEqual([
      { token: tokens[0], type: 'ssn', reveal: 'plain', value: VALUES.ssn },
      { token: tokens[1], type: 'name', reveal: 'plain', value: VALUES.name },
    ]);
    expect(hit.body.items).toEqual(miss.body.items);
    expect(await lookups('hit')).toBe(hitsBefore + 2);
    expect(await vault.http().get('/metrics').then((r) => r.text)).toMatch(/^phi_vault_token_cache_hit_ratio 0\.\d+$/m);
  });

  it('caches a new token as stored, on commit: its metadata from the cache equals the row', async () => {
    const [token] = await tokenize([{ type: 'mrn', value: 'MRN-77-0001', patientRef: 'P-CACHE', tags: ['vip'] }]);
    expect(await redis.client.exists(`${prefix()}tc:t:${tokenKey(token)}`)).toBe(1);
    const reader = await vault.bearer('cache-reader', ['service'], ['vault:tokenize']);
    const described = await vault.http().get(`/v1/tokens/${encodeURIComponent(token)}`).set('Authorization', reader);
    const [row] = await withSql(vault.database.url, (query) => query<{ created_at: Date }>('SELECT created_at FROM tokens WHERE token_key = $1', [tokenKey(token)]));
    expect(described.body).toEqual({ token, type: 'mrn', createdAt: row.created_at.toISOString(), patientRef: 'P-CACHE', tags: ['vip'] });
  });

  it('serves deterministic re-tokenization from the fingerprint pointer, with the same token', async () => {
    const [first] = await tokenize([{ type: 'ssn', value: '234-56-7890' }]);
    const [again] = await tokenize([{ type: 'ssn', value: '234567890' }]);
    expect(again).toBe(first.replaceAll('-', ''));
    expect(await redis.client.keys(`${prefix()}tc:f:*`)).not.toHaveLength(0);
  });

  it('holds ciphertext, never a value, and every entry carries a MAC', async () => {
    const entries = await cachedEntries();
    expect(entries.length).toBeGreaterThan(0);
    const everything = JSON.stringify(entries);
    for (const value of [...Object.values(VALUES), '123456789', 'Gonzalez']) expect(everything).not.toContain(value);
    for (const { value } of entries) expect(value).toMatch(/^[A-Za-z0-9_-]{43}\.\{/);
  });

  it('rejects an edited entry: a restricted token stays denied when someone strips its tag in Redis', async () => {
    const [token] = await tokenize([{ type: 'mrn', value: VALUES.restrictedMrn, tags: ['restricted'] }]);
    expect((await detokenize([token])).body.items[0].reveal).toBe('denied');
    const entry = (await cachedEntries()).find(({ value }) => value.includes('"restricted"'));
    expect(entry).toBeDefined();
    await redis.client.set(entry!.key, entry!.value.replace('["restricted"]', '[]'));
    const rejectedBefore = await lookups('rejected');
    const response = await detokenize([token]);
    expect(response.body.items[0]).toEqual({ token, type: 'mrn', reveal: 'denied' });
    expect(response.text).not.toContain(VALUES.restrictedMrn);
    expect(await lookups('rejected')).toBe(rejectedBefore + 1);
  });

  it('rejects a forged entry for a token the vault never issued', async () => {
    const [real] = await tokenize([{ type: 'zip', value: '02139' }], 'random');
    await detokenize([real]);
    const entry = (await cachedEntries()).find(({ value }) => value.includes(`"k":"${real}"`))!;
    const forgedKey = entry.key.replace(/[^:]+$/, '99999');
    await redis.client.set(forgedKey, entry.value.replace(`"k":"${real}"`, '"k":"99999"'));
    expect((await detokenize(['99999'])).body.items[0]).toEqual({ token: '99999', type: null, reveal: 'not_found' });
  });

  it('drops a cached record when re-tokenization adds a tag, on every instance', async () => {
    const [token] = await tokenize([{ type: 'name', value: 'Tom Baker' }]);
    expect((await detokenize([token])).body.items[0].reveal).toBe('plain'); // now cached untagged
    await tokenize([{ type: 'name', value: 'Tom Baker', tags: ['restricted'] }]);
    expect((await detokenize([token])).body.items[0]).toEqual({ token, type: 'name', reveal: 'denied' });
  });

  it('keeps working through an outage, says degraded, and recovers by itself', async () => {
    const [known] = await tokenize([{ type: 'phone', value: '(617) 555-0134' }]);
    await detokenize([known]);
    await redis.stop();
    await until(async () => (await vault.http().get('/health/ready')).body.status === 'degraded');
    const ready = await vault.http().get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.checks.redis).toBe('down');
    const [fresh] = await tokenize([{ type: 'phone', value: '(617) 555-0199' }]);
    const during = await detokenize([known, fresh]);
    expect(during.status).toBe(200);
    expect(during.body.items.map((item: { value: string }) => item.value)).toEqual(['(617) 555-0134', '(617) 555-0199']);
    await redis.start();
    await until(async () => (await vault.http().get('/health/ready')).body.status === 'ok');
    expect((await detokenize([known])).body.items[0].value).toBe('(617) 555-0134');
  });

  it('after a change it could not announce (Redis frozen), clears the cache before trusting it again', async () => {
    const [token] = await tokenize([{ type: 'name', value: 'Ada Byron' }]);
    expect((await detokenize([token])).body.items[0].reveal).toBe('plain');
    expect(await redis.client.exists(`${prefix()}tc:t:${tokenKey(token)}`)).toBe(1);
    redis.freeze(); // the entry survives, but the tombstone of the next change cannot be written
    try {
      await tokenize([{ type: 'name', value: 'Ada Byron', tags: ['restricted'] }]);
    } finally {
      redis.thaw();
    }
    expect((await detokenize([token])).body.items[0]).toEqual({ token, type: 'name', reveal: 'denied' });
    expect(vault.logs.join('')).toContain('bypassing the cache until it is cleared');
    await until(async () => vault.logs.join('').includes('cleared after an outage'));
  });
});
