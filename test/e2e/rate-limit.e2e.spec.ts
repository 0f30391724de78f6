import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedisUrl } from '../support/database-urls.js';
import { auditRowsOf } from '../support/detokenize-audit.js';
import { createSigner } from '../support/jwt.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestVault, type TestVault } from '../support/vault.js';

const LIMIT = 10;
const NO_REDIS = 'redis://127.0.0.1:6390'; // nothing listens here
const JUSTIFICATION = 'Reconciling today\'s clinic list';

/**
 * Two vault instances on one database and one Redis (same key prefix, same signer) enforce one limit per
 * subject; a third instance whose Redis is down fails open; a fourth in dev mode without Redis counts in process.
 */
describe('detokenize rate limits', () => {
  const signer = createSigner();
  let database: TestDatabase;
  let a: TestVault;
  let b: TestVault;
  let offline: TestVault;
  let tokens: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    a = await startTestVault({ database, signer, env: { VAULT_DETOKENIZE_TOKENS_PER_MINUTE: String(LIMIT) } });
    b = await startTestVault({ database, signer, env: { ...sharedSecrets(a), VAULT_DETOKENIZE_TOKENS_PER_MINUTE: String(LIMIT) } });
    const ingest = await a.bearer('rl-ingest', ['service'], ['vault:tokenize']);
    const response = await a
      .http()
      .post('/v1/tokenize')
      .set('Authorization', ingest)
      .send({ items: Array.from({ length: 12 }, (_, i) => ({ type: 'zip', value: String(10_000 + i), patientRef: 'P-RL' })) });
    expect(response.status).toBe(200);
    tokens = response.body.items.map((item: { token: string }) => item.token);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close(), offline?.close()]);
    await database?.drop();
  });

  /** B must decrypt A's tokens: same master key; the same Redis key prefix shares the limits. */
  function sharedSecrets(vault: TestVault): Record<string, string> {
    return { VAULT_MASTER_KEY: vault.env.VAULT_MASTER_KEY, REDIS_KEY_PREFIX: vault.env.REDIS_KEY_PREFIX };
  }
  const detokenize = async (vault: TestVault, sub: string, count: number, roles = ['clinician'], extra: Record<string, unknown> = {}) =>
    vault
      .http()
      .post('/v1/detokenize')
      .set('Authorization', await vault.bearer(sub, roles, ['vault:detokenize', 'vault:break_glass']))
      .send({ tokens: tokens.slice(0, count), purpose: 'treatment', justification: JUSTIFICATION, ...extra });

  it('counts tokens across instances through Redis; a refused call counts nothing and is audited as denied', async () => {
    expect((await detokenize(a, 'rl-alice', 6)).status).toBe(200);
    const refused = await detokenize(b, 'rl-alice', 6);
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ status: 429, code: 'rate_limited', detail: expect.stringContaining(`${LIMIT} tokens a minute`) });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.body.items).toBeUndefined();
    expect(refused.text).not.toMatch(/1000\d|1001\d/); // no zip value
    expect((await detokenize(b, 'rl-alice', 4)).status).toBe(200); // the refused 6 were not counted: 6 + 4 = 10
    expect((await detokenize(a, 'rl-alice', 1)).status).toBe(429);
    expect((await detokenize(a, 'rl-bob', 10)).status).toBe(200); // per subject

    const events = await auditRowsOf(database.url, 'rl-alice');
    expect(events.map((e) => e.outcome)).toEqual(['allowed', 'denied', 'allowed', 'denied']);
    expect(events[1]).toMatchObject({ break_glass: false, tokens: tokens.slice(0, 6), details: { refused: 'rate_limited', tokenCount: 6 } });
    expect(events[1].details.patientRefs).toBeUndefined(); // refused before any lookup
  });

  it('keeps the window in Redis with a TTL of at most a minute', async () => {
    const raw = new Redis(testRedisUrl());
    try {
      const keys = await raw.keys(`${a.env.REDIS_KEY_PREFIX}limits:detokenize-tokens:*`);
      expect(keys.length).toBeGreaterThanOrEqual(2);
      for (const key of keys) {
        const ttl = await raw.pttl(key);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(60_000);
        expect(key).not.toContain('rl-alice');
      }
    } finally {
      raw.disconnect();
    }
  });

  it('a call larger than the whole limit is refused at once, saying to split it', async () => {
    const response = await detokenize(a, 'rl-carol', 11);
    expect(response.status).toBe(429);
    expect(response.body.detail).toBe(`This call presents 11 tokens, more than the ${LIMIT} a caller may detokenize a minute; split it into smaller calls.`);
    expect(response.headers['retry-after']).toBeDefined();
  });

  it('callers with role service are not limited; not-found tokens count like any other', async () => {
    for (let i = 0; i < 3; i++) expect((await detokenize(a, 'rl-etl', 12, ['service'])).status).toBe(200);
    const unknown = await a
      .http()
      .post('/v1/detokenize')
      .set('Authorization', await a.bearer('rl-dave', ['clinician'], ['vault:detokenize']))
      .send({ tokens: Array.from({ length: LIMIT }, () => '000-00-0000'), purpose: 'treatment', justification: JUSTIFICATION });
    expect(unknown.status).toBe(200);
    expect((await detokenize(a, 'rl-dave', 1)).status).toBe(429);
  });

  it('the 429s are counted in a metric labelled by limit, never by subject', async () => {
    const metrics = await a.http().get('/metrics');
    expect(metrics.text).toMatch(/phi_vault_rate_limited_total\{limit="detokenize_tokens"\} [1-9]/);
    expect(metrics.text).not.toContain('rl-alice');
  });

  it('FAILS OPEN when Redis is unreachable: detokenize and break-glass still work, counted in a metric, warned once a minute', async () => {
    offline = await startTestVault({ database, signer, env: { ...sharedSecrets(a), REDIS_URL: NO_REDIS, VAULT_DETOKENIZE_TOKENS_PER_MINUTE: '2', VAULT_BREAK_GLASS_CALLS_PER_HOUR: '1' } });
    for (let i = 0; i < 3; i++) {
      const response = await detokenize(offline, 'rl-er-doc', 5);
      expect(response.status).toBe(200);
      expect(response.body.items[0]).toMatchObject({ reveal: 'plain', value: '10000' });
    }
    for (let i = 0; i < 2; i++) {
      const emergency = await detokenize(offline, 'rl-er-doc', 1, ['clinician'], {
        breakGlass: true,
        purpose: 'emergency',
        justification: 'Cardiac arrest in bay 3, need the medication list now',
      });
      expect(emergency.status).toBe(200);
    }
    const metrics = (await offline.http().get('/metrics')).text;
    expect(metrics).toMatch(/phi_vault_rate_limit_fail_open_total\{limit="detokenize_tokens"\} 5/);
    expect(metrics).toMatch(/phi_vault_rate_limit_fail_open_total\{limit="break_glass_calls"\} 2/);
    expect(metrics).toMatch(/phi_vault_rate_limit_fail_open_total\{limit="break_glass_episode"\} 2/);
    const warnings = offline.logs.filter((line) => line.includes('FAIL OPEN'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0])).toMatchObject({ level: 40, limit: 'detokenize_tokens' });

    const events = await auditRowsOf(database.url, 'rl-er-doc');
    expect(events[0].details.limitsFailedOpen).toEqual(['detokenize_tokens']);
    expect(events[3]).toMatchObject({ break_glass: true, outcome: 'allowed' });
    expect(events[3].details.limitsFailedOpen).toEqual(['detokenize_tokens', 'break_glass_calls', 'break_glass_episode']);
    expect(events[3].details.episodes).toEqual([{ episodeId: expect.any(String), patientRef: 'P-RL', grant: 'single_call', expiresAt: null }]);
  });
});

describe('dev mode without REDIS_URL: the same limits, counted in process', () => {
  let vault: TestVault;
  beforeAll(async () => {
    vault = await startTestVault({ env: { REDIS_URL: '', VAULT_DEV_MODE: 'true', VAULT_DETOKENIZE_TOKENS_PER_MINUTE: '3', VAULT_BREAK_GLASS_CALLS_PER_HOUR: '1' } });
  });
  afterAll(async () => {
    await vault?.close();
  });

  it('limits tokens and break-glass calls, and keeps episodes', async () => {
    expect(vault.config.redisUrl).toBeNull();
    const auth = await vault.bearer('dev-doc', ['clinician'], ['vault:tokenize', 'vault:detokenize', 'vault:break_glass']);
    const token = (await vault.http().post('/v1/tokenize').set('Authorization', auth).send({ items: [{ type: 'zip', value: '02139', patientRef: 'P-DEV' }] })).body.items[0].token;
    const call = (count: number, breakGlass = false) =>
      vault
        .http()
        .post('/v1/detokenize')
        .set('Authorization', auth)
        .send({ tokens: Array.from({ length: count }, () => token), purpose: 'emergency', justification: 'Trauma bay, patient unresponsive, need history', breakGlass });
    expect((await call(1, true)).status).toBe(200);
    expect((await call(1, true)).status).toBe(429); // break-glass cap of 1
    expect((await call(1)).status).toBe(200); // 3 tokens: 1 + 1 (the call the cap refused had already been counted) + 1
    expect((await call(1)).status).toBe(429);
    const events = await auditRowsOf(vault.database.url, 'dev-doc');
    expect(events[0].details.episodes).toEqual([{ episodeId: expect.any(String), patientRef: 'P-DEV', grant: 'opened', expiresAt: expect.any(String) }]);
    expect(events.map((e) => e.details.refused ?? e.outcome)).toEqual(['allowed', 'break_glass_limit', 'allowed', 'rate_limited']);
    expect((await vault.http().get('/metrics')).text).not.toMatch(/phi_vault_rate_limit_fail_open_total\{[^}]*\} [1-9]/);
  });
});
