import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { RedisCacheStore } from '../../src/cache/redis-cache-store.js';
import { testRedisUrl } from '../support/database-urls.js';

const prefix = `phi-vault-test:cache-store:${randomBytes(4).toString('hex')}:`;
const redis = new Redis(testRedisUrl(), { keyPrefix: prefix });
afterAll(async () => {
  await new RedisCacheStore(redis, prefix).clear();
  redis.disconnect();
});

describe('RedisCacheStore reads', () => {
  it('answers concurrent reads from one MGET, each with its own keys in its own order', async () => {
    const store = new RedisCacheStore(redis, prefix);
    await store.addIfAbsent(
      ['a', 'b', 'c'].map((name) => ({ key: `tc:${name}`, value: `value-${name}` })),
      60,
    );
    const mget = vi.spyOn(redis, 'mget');
    const [first, second, third] = await Promise.all([
      store.getMany(['tc:a', 'tc:missing']),
      store.getMany(['tc:c', 'tc:b', 'tc:a']),
      store.getMany(['tc:b']),
    ]);
    expect(first).toEqual(['value-a', null]);
    expect(second).toEqual(['value-c', 'value-b', 'value-a']);
    expect(third).toEqual(['value-b']);
    expect(mget).toHaveBeenCalledTimes(1);
    mget.mockRestore();
  });

  it('fails every read of a failed MGET, so each caller falls back to the database', async () => {
    const closed = new Redis(testRedisUrl(), { keyPrefix: prefix, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    const store = new RedisCacheStore(closed, prefix);
    const outcomes = await Promise.allSettled([store.getMany(['tc:a']), store.getMany(['tc:b'])]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    closed.disconnect();
  });
});
