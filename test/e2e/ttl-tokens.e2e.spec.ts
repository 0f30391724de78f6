import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenKey } from '../../src/formats/token-key.js';
import { countRows, withSql } from '../support/db-inspect.js';
import { startTestVault, type TestVault } from '../support/vault.js';

const HOUR = 3600;
const DAY = 86_400;
const JUSTIFICATION = 'Reconciling today\'s visit with the claims system';

describe('per-item ttl on tokenize', () => {
  let vault: TestVault;
  let service: string;

  beforeAll(async () => {
    // The passage of time is simulated by moving expires_at in SQL, behind the vault's back: no cache, so reads see it.
    vault = await startTestVault({ env: { VAULT_CACHE_TTL_SECONDS: '0' } });
    service = await vault.bearer('ttl-service', ['service'], ['vault:tokenize', 'vault:detokenize']);
  });
  afterAll(async () => {
    await vault?.close();
  });

  const tokenize = (body: unknown) => vault.http().post('/v1/tokenize').set('Authorization', service).send(body as object);
  const tokenOf = async (item: Record<string, unknown>, mode = 'deterministic'): Promise<string> => {
    const response = await tokenize({ mode, items: [item] });
    expect(response.status).toBe(200);
    return response.body.items[0].token;
  };
  const detokenize = (tokens: string[]) =>
    vault.http().post('/v1/detokenize').set('Authorization', service).send({ tokens, purpose: 'treatment', justification: JUSTIFICATION });
  const describeToken = (token: string) => vault.http().get(`/v1/tokens/${encodeURIComponent(token)}`).set('Authorization', service);
  const expiresAtOf = (token: string) =>
    withSql(vault.database.url, async (query) => (await query<{ expires_at: Date | null }>('SELECT expires_at FROM tokens WHERE token_key = $1', [tokenKey(token)]))[0].expires_at);
  /** The passage of time, simulated: the row expired `secondsAgo` seconds ago. */
  const expire = (token: string, secondsAgo = 1) =>
    withSql(vault.database.url, (query) => query(`UPDATE tokens SET expires_at = now() - make_interval(secs => $2) WHERE token_key = $1`, [tokenKey(token), secondsAgo]));

  it('stores expires_at = now + ttl; without ttl the token never expires', async () => {
    const before = Date.now();
    const token = await tokenOf({ type: 'ssn', value: '321-54-9876', ttl: HOUR });
    const after = Date.now();
    const expiresAt = (await expiresAtOf(token))!.getTime();
    expect(expiresAt).toBeGreaterThanOrEqual(before + HOUR * 1000 - 1);
    expect(expiresAt).toBeLessThanOrEqual(after + HOUR * 1000 + 1);
    expect(await expiresAtOf(await tokenOf({ type: 'ssn', value: '321-54-9877' }))).toBeNull();
    const century = await tokenOf({ type: 'zip', value: '02139', ttl: 3_153_600_000 });
    expect((await expiresAtOf(century))!.getUTCFullYear()).toBeGreaterThanOrEqual(new Date().getUTCFullYear() + 99);
  });

  it('random mode: each row gets its own item ttl', async () => {
    const response = await tokenize({ mode: 'random', items: [{ type: 'phone', value: '617-555-0101', ttl: HOUR }, { type: 'phone', value: '617-555-0101' }] });
    const [expiring, kept] = response.body.items.map((item: { token: string }) => item.token);
    expect(await expiresAtOf(expiring)).not.toBeNull();
    expect(await expiresAtOf(kept)).toBeNull();
  });

  it('after expiry: detokenize answers not_found and GET /v1/tokens/{token} 404', async () => {
    const token = await tokenOf({ type: 'mrn', value: 'MRN-424242', ttl: 60 });
    const live = await tokenOf({ type: 'mrn', value: 'MRN-434343', ttl: 60 });
    await expire(token);
    const response = await detokenize([token, live]);
    expect(response.status).toBe(200);
    expect(response.body.items).toEqual([
      { token, type: null, reveal: 'not_found' },
      { token: live, type: 'mrn', reveal: 'plain', value: 'MRN-434343' },
    ]);
    expect((await describeToken(token)).status).toBe(404);
    expect((await describeToken(live)).status).toBe(200);
  });

  it('equal values in one request: the later expiry wins, and no ttl (never) wins over any', async () => {
    const response = await tokenize({
      items: [
        { type: 'date', value: '1961-03-14', ttl: HOUR },
        { type: 'date', value: '03/14/1961', ttl: DAY },
        { type: 'date', value: '1962-03-14', ttl: DAY },
        { type: 'date', value: '1962-03-14' },
      ],
    });
    const [first, second, third] = response.body.items.map((item: { token: string }) => item.token);
    expect(tokenKey(first)).toBe(tokenKey(second));
    const expiresAt = (await expiresAtOf(first))!.getTime();
    expect(expiresAt).toBeGreaterThan(Date.now() + (DAY - HOUR) * 1000);
    expect(await expiresAtOf(third)).toBeNull();
  });

  describe('deterministic re-tokenization only ever extends the expiry', () => {
    it('a longer ttl extends, a shorter one does not shorten, no ttl clears it', async () => {
      const token = await tokenOf({ type: 'phone', value: '(617) 555-0199', ttl: HOUR });
      const initial = (await expiresAtOf(token))!.getTime();
      expect(await tokenOf({ type: 'phone', value: '617-555-0199', ttl: DAY })).toBe(token.replace(/^\((\d{3})\) (\d{3})-/, '$1-$2-'));
      const extended = (await expiresAtOf(token))!.getTime();
      expect(extended).toBeGreaterThan(initial + (DAY - 2 * HOUR) * 1000);
      await tokenOf({ type: 'phone', value: '6175550199', ttl: 60 });
      expect((await expiresAtOf(token))!.getTime()).toBe(extended);
      await tokenOf({ type: 'phone', value: '6175550199' });
      expect(await expiresAtOf(token)).toBeNull();
      await tokenOf({ type: 'phone', value: '6175550199', ttl: HOUR });
      expect(await expiresAtOf(token)).toBeNull();
    });

    it('revives an expired, not yet purged token: same token, new expiry', async () => {
      const token = await tokenOf({ type: 'ssn', value: '456-78-9012', ttl: 60 });
      await expire(token, DAY);
      expect((await detokenize([token])).body.items[0].reveal).toBe('not_found');
      const before = await countRows(vault.database.url, 'tokens');
      expect(await tokenOf({ type: 'ssn', value: '456-78-9012', ttl: HOUR })).toBe(token);
      expect(await countRows(vault.database.url, 'tokens')).toBe(before);
      expect((await expiresAtOf(token))!.getTime()).toBeGreaterThan(Date.now());
      expect((await detokenize([token])).body.items[0]).toMatchObject({ reveal: 'plain', value: '456-78-9012' });
      expect((await describeToken(token)).status).toBe(200);
    });
  });

  describe('bad ttl: 422 naming the item, nothing stored', () => {
    const cases: { name: string; ttl: unknown }[] = [
      { name: 'below one minute', ttl: 59 },
      { name: 'above 100 years', ttl: 3_153_600_001 },
      { name: 'not whole seconds', ttl: 90.5 },
      { name: 'a string', ttl: '3600' },
      { name: 'negative', ttl: -60 },
    ];
    for (const testCase of cases) {
      it(testCase.name, async () => {
        const before = await countRows(vault.database.url, 'tokens');
        const response = await tokenize({ items: [{ type: 'zip', value: '10001' }, { type: 'ssn', value: '078-05-1120', ttl: testCase.ttl }] });
        expect(response.status).toBe(422);
        expect(response.body.code).toBe('validation_failed');
        expect(response.body.errors.map((e: { path: string }) => e.path)).toEqual(['items[1].ttl']);
        expect(response.text).not.toContain('078-05-1120');
        expect(await countRows(vault.database.url, 'tokens')).toBe(before);
      });
    }
  });
});
