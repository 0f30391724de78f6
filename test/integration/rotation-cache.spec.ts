import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyringService } from '../../src/crypto/keyring.service.js';
import { testRedisUrl } from '../support/database-urls.js';
import { withSql } from '../support/db-inspect.js';
import { startTestVault, type TestVault } from '../support/vault.js';

const MRNS = Array.from({ length: 30 }, (_, i) => `MRN-${String(4200 + i).padStart(6, '0')}`);

/**
 * Reads never fail during rotation, also with the token cache: cached records hold ciphertexts, and a cached
 * ciphertext under a version that re-encryption retired would stop decrypting once that key is dropped
 * (RETIRED_KEY_GRACE_MS after retirement, shorter than the cache's TTL). The job must drop what it rewrites.
 */
describe('re-encryption and the token cache', () => {
  let vault: TestVault;
  let service: string;
  let admin: string;
  let tokens: string[];

  beforeAll(async () => {
    vault = await startTestVault({ env: { VAULT_CACHE_TTL_SECONDS: '3600' } });
    service = await vault.bearer('svc', ['service'], ['vault:tokenize', 'vault:detokenize']);
    admin = await vault.bearer('key-officer', ['admin'], ['vault:admin']);
    const response = await vault.http().post('/v1/tokenize').set('Authorization', service).send({ mode: 'random', items: MRNS.map((value) => ({ type: 'mrn', value })) });
    tokens = response.body.items.map((item: { token: string }) => item.token);
  });
  afterAll(async () => {
    await vault?.close();
  });

  async function reveal(): Promise<{ status: number; values: (string | undefined)[] }> {
    const response = await vault.http().post('/v1/detokenize').set('Authorization', service).send({ tokens, purpose: 'operations', justification: 'key rotation check' });
    return { status: response.status, values: response.body.items?.map((item: { value?: string }) => item.value) ?? [] };
  }

  it('after a job has rewritten and retired a version, no cached ciphertext under it is served, even once its key is gone', async () => {
    expect(await reveal()).toEqual({ status: 200, values: MRNS }); // the cache now holds every record, under v1
    expect((await vault.http().post('/v1/admin/keys/rotate').set('Authorization', admin)).body).toEqual({ version: 2 });
    const started = await vault.http().post('/v1/admin/keys/reencrypt').set('Authorization', admin);
    let job: { state: string } = { state: 'running' };
    for (let i = 0; i < 300 && job.state === 'running'; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      job = (await vault.http().get(`/v1/admin/jobs/${started.body.jobId}`).set('Authorization', admin)).body;
    }
    expect(job).toMatchObject({ state: 'done', done: MRNS.length });
    // What the grace period ends with (or a crypto-shredding of the retired key): the vault no longer holds v1.
    await withSql(vault.database.url, (query) => query("DELETE FROM wrapped_keys WHERE purpose = 'data' AND version = 1 AND retired_at IS NOT NULL"));
    await vault.app.get(KeyringService).refresh();
    expect(await reveal()).toEqual({ status: 200, values: MRNS });
  });

  it('a stale cached copy the job could not drop (its Redis was away) is read again from the database, never a failed read', async () => {
    const redis = new Redis(testRedisUrl(), { keyPrefix: vault.env.REDIS_KEY_PREFIX });
    try {
      // The first job's tombstones expire (30 s; dropped here), then the records are cached again, under v2.
      const unprefixed = async (pattern: string) => (await redis.keys(`${vault.env.REDIS_KEY_PREFIX}${pattern}`)).map((key) => key.slice(vault.env.REDIS_KEY_PREFIX.length));
      for (const key of await unprefixed('tc:*')) await redis.del(key);
      expect(await reveal()).toEqual({ status: 200, values: MRNS });
      const keys = await unprefixed('tc:t:*');
      const sealedUnderV2 = (await redis.mget(...keys)) as string[];
      expect(keys).toHaveLength(MRNS.length);
      for (const entry of sealedUnderV2) expect(entry).toMatch(/^[A-Za-z0-9_-]{43}\.\{/);
      expect(await vault.http().post('/v1/admin/keys/rotate').set('Authorization', admin).then((r) => r.body)).toEqual({ version: 3 });
      const started = await vault.http().post('/v1/admin/keys/reencrypt').set('Authorization', admin);
      let job: { state: string } = { state: 'running' };
      for (let i = 0; i < 300 && job.state === 'running'; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        job = (await vault.http().get(`/v1/admin/jobs/${started.body.jobId}`).set('Authorization', admin)).body;
      }
      expect(job).toMatchObject({ state: 'done' });
      await withSql(vault.database.url, (query) => query("DELETE FROM wrapped_keys WHERE purpose = 'data' AND version = 2 AND retired_at IS NOT NULL"));
      await vault.app.get(KeyringService).refresh();
      // The job's tombstones lost: the authenticated v2 copies are back, their key is not.
      for (const [index, key] of keys.entries()) await redis.set(key, sealedUnderV2[index], 'EX', 3600);
      expect(await reveal()).toEqual({ status: 200, values: MRNS });
    } finally {
      redis.disconnect();
    }
  });
});
