import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { LimitStore } from '../../src/ratelimit/limit-store.js';
import { MemoryLimitStore } from '../../src/ratelimit/memory-limit-store.js';
import { RedisLimitStore } from '../../src/ratelimit/redis-limit-store.js';
import { testRedisUrl } from '../support/database-urls.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const redis = new Redis(testRedisUrl(), { keyPrefix: `phi-vault-test:limits:${randomBytes(4).toString('hex')}:` });
afterAll(() => redis.disconnect());

/** The same contract for both stores: RedisLimitStore (every instance) and MemoryLimitStore (dev mode). */
const STORES: { name: string; store: () => LimitStore }[] = [
  { name: 'RedisLimitStore', store: () => new RedisLimitStore(redis) },
  { name: 'MemoryLimitStore', store: () => new MemoryLimitStore() },
];

for (const { name, store: make } of STORES) {
  describe(name, () => {
    const key = () => `k:${randomBytes(6).toString('hex')}`;

    it('counts costs in a fixed window and refuses a cost that would pass the limit, without counting it', async () => {
      const store = make();
      const k = key();
      expect(await store.consume(k, 400, 600, 60_000)).toMatchObject({ allowed: true, used: 400 });
      expect(await store.consume(k, 300, 600, 60_000)).toMatchObject({ allowed: false, used: 400 });
      expect(await store.consume(k, 200, 600, 60_000)).toMatchObject({ allowed: true, used: 600 });
      const refused = await store.consume(k, 1, 600, 60_000);
      expect(refused).toMatchObject({ allowed: false, used: 600 });
      expect(refused.resetInMs).toBeGreaterThan(55_000);
      expect(refused.resetInMs).toBeLessThanOrEqual(60_000);
    });

    it('refuses a single cost larger than the whole limit, even in a fresh window', async () => {
      const store = make();
      const k = key();
      expect(await store.consume(k, 1000, 600, 60_000)).toEqual({ allowed: false, used: 0, resetInMs: 60_000 });
      expect(await store.consume(k, 600, 600, 60_000)).toMatchObject({ allowed: true, used: 600 });
    });

    it('starts again from zero when the window ends', async () => {
      const store = make();
      const k = key();
      expect((await store.consume(k, 5, 5, 150)).allowed).toBe(true);
      expect((await store.consume(k, 1, 5, 150)).allowed).toBe(false);
      await sleep(200);
      expect(await store.consume(k, 5, 5, 150)).toMatchObject({ allowed: true, used: 5 });
    });

    it('keeps counters of different keys apart', async () => {
      const store = make();
      const [a, b] = [key(), key()];
      await store.consume(a, 5, 5, 60_000);
      expect((await store.consume(b, 5, 5, 60_000)).allowed).toBe(true);
    });

    it('is atomic under concurrency: exactly `limit` unit costs get through', async () => {
      const store = make();
      const k = key();
      const results = await Promise.all(Array.from({ length: 50 }, () => store.consume(k, 1, 20, 60_000)));
      expect(results.filter((r) => r.allowed)).toHaveLength(20);
    });

    it('putIfAbsent keeps the first value until it expires, never extending it', async () => {
      const store = make();
      const k = key();
      expect(await store.putIfAbsent(k, 'episode-1', 300)).toMatchObject({ value: 'episode-1', created: true, expiresInMs: 300 });
      await sleep(100);
      const again = await store.putIfAbsent(k, 'episode-2', 300);
      expect(again).toMatchObject({ value: 'episode-1', created: false });
      expect(again.expiresInMs).toBeLessThanOrEqual(220);
      await sleep(250);
      expect(await store.putIfAbsent(k, 'episode-3', 300)).toMatchObject({ value: 'episode-3', created: true });
    });

    it('putIfAbsent under concurrency: one value wins for everyone', async () => {
      const store = make();
      const k = key();
      const grants = await Promise.all(Array.from({ length: 20 }, (_, i) => store.putIfAbsent(k, `v${i}`, 60_000)));
      expect(grants.filter((g) => g.created)).toHaveLength(1);
      expect(new Set(grants.map((g) => g.value)).size).toBe(1);
    });
  });
}

describe('RedisLimitStore specifics', () => {
  it('writes only under the configured key prefix, with a TTL, and no raw identifiers', async () => {
    const store = new RedisLimitStore(redis);
    await store.consume('limits:x:abc', 1, 5, 60_000);
    expect(await redis.pttl('limits:x:abc')).toBeGreaterThan(0);
    const raw = new Redis(testRedisUrl());
    try {
      expect(await raw.exists(`${redis.options.keyPrefix}limits:x:abc`)).toBe(1);
    } finally {
      raw.disconnect();
    }
  });

  it('treats a counter left without a TTL as expired, so it can never block forever', async () => {
    await redis.set('limits:stuck', '999');
    const store = new RedisLimitStore(redis);
    expect(await store.consume('limits:stuck', 1, 5, 60_000)).toMatchObject({ allowed: true, used: 1 });
    expect(await redis.pttl('limits:stuck')).toBeGreaterThan(0);
  });

  it('rejects (so callers can fail open) when Redis is unreachable', async () => {
    const down = new Redis('redis://127.0.0.1:6390', { enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true, retryStrategy: () => null });
    try {
      await expect(new RedisLimitStore(down).consume('k', 1, 5, 1000)).rejects.toThrow();
    } finally {
      down.disconnect();
    }
  });
});

describe('MemoryLimitStore memory bound', () => {
  it('sweeps expired entries once a minute', async () => {
    let now = 0;
    const store = new MemoryLimitStore(() => now);
    for (let i = 0; i < 100; i++) await store.consume(`k${i}`, 1, 5, 1_000);
    expect(store.size).toBe(100);
    now = 61_000;
    await store.consume('fresh', 1, 5, 1_000);
    expect(store.size).toBe(1);
  });
});
