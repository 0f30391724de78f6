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

    it('counts costs in a rolling window and refuses a cost that would pass the limit, without counting it', async () => {
      const store = make();
      const k = key();
      expect(await store.consume(k, 400, 600, 60_000)).toEqual({ allowed: true, used: 400, retryInMs: 0 });
      expect(await store.consume(k, 300, 600, 60_000)).toMatchObject({ allowed: false, used: 400 });
      expect(await store.consume(k, 200, 600, 60_000)).toEqual({ allowed: true, used: 600, retryInMs: 0 });
      const refused = await store.consume(k, 1, 600, 60_000);
      expect(refused).toMatchObject({ allowed: false, used: 600 });
      // The oldest cost (400) leaving is what makes room: at most a minute after it was counted.
      expect(refused.retryInMs).toBeGreaterThan(55_000);
      expect(refused.retryInMs).toBeLessThanOrEqual(60_000);
    });

    it('refuses a single cost larger than the whole limit, even in an empty window', async () => {
      const store = make();
      const k = key();
      expect(await store.consume(k, 1000, 600, 60_000)).toEqual({ allowed: false, used: 0, retryInMs: 60_000 });
      expect(await store.consume(k, 600, 600, 60_000)).toMatchObject({ allowed: true, used: 600 });
    });

    it('a cost leaves the window when it is windowMs old, each on its own: no boundary to burst across', async () => {
      const store = make();
      const k = key();
      const WINDOW = 2_000;
      expect((await store.consume(k, 2, 4, WINDOW)).allowed).toBe(true); // early, at t0
      await sleep(1_000);
      expect((await store.consume(k, 2, 4, WINDOW)).allowed).toBe(true); // late, at about t0 + 1 s
      const full = await store.consume(k, 1, 4, WINDOW);
      expect(full).toMatchObject({ allowed: false, used: 4 });
      expect(full.retryInMs).toBeLessThanOrEqual(1_000); // until the early cost is 2 s old
      await sleep(full.retryInMs + 100);
      // The early cost has left, the late one has not: a fixed window opened at t0 would now allow 4 again.
      expect(await store.consume(k, 2, 4, WINDOW)).toEqual({ allowed: true, used: 4, retryInMs: 0 });
      const again = await store.consume(k, 1, 4, WINDOW);
      expect(again).toMatchObject({ allowed: false, used: 4 });
      expect(again.retryInMs).toBeGreaterThan(0);
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

  it('keeps the log and its total under the key with a TTL of at most the window, each cost a unique member', async () => {
    const store = new RedisLimitStore(redis);
    await Promise.all([store.consume('limits:y:abc', 1, 5, 60_000), store.consume('limits:y:abc', 1, 5, 60_000)]);
    expect(await redis.zcard('limits:y:abc')).toBe(2);
    expect(await redis.get('limits:y:abc:total')).toBe('2');
    for (const k of ['limits:y:abc', 'limits:y:abc:total']) {
      const ttl = await redis.pttl(k);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
  });

  it('recovers a lost total from the log, and ignores a total whose log is gone', async () => {
    const store = new RedisLimitStore(redis);
    await store.consume('limits:z:1', 3, 5, 60_000);
    await redis.del('limits:z:1:total');
    expect(await store.consume('limits:z:1', 3, 5, 60_000)).toMatchObject({ allowed: false, used: 3 });
    await redis.set('limits:z:2:total', '5', 'PX', 60_000);
    expect(await store.consume('limits:z:2', 5, 5, 60_000)).toEqual({ allowed: true, used: 5, retryInMs: 0 });
  });

  it("carries over an earlier version's fixed-window counter until its window would have ended", async () => {
    await redis.set('limits:legacy', '5', 'PX', 30_000);
    const store = new RedisLimitStore(redis);
    const refused = await store.consume('limits:legacy', 1, 5, 60_000);
    expect(refused).toMatchObject({ allowed: false, used: 5 });
    expect(refused.retryInMs).toBeGreaterThan(25_000);
    expect(refused.retryInMs).toBeLessThanOrEqual(30_000);
    expect(await redis.type('limits:legacy')).toBe('zset');
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
