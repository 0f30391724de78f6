import type { Redis } from 'ioredis';
import { SameTurnBatch } from '../common/batching/same-turn-batch.js';
import { TOMBSTONE, type CacheEntry, type CacheStore } from './cache-store.js';

/** Keys this cache owns, under the client's REDIS_KEY_PREFIX; `clear` removes exactly these. */
export const TOKEN_CACHE_NAMESPACE = 'tc:';

/** Keys in one MGET at most: concurrent reads share one, but a turn with many large reads is split. */
const MAX_KEYS_PER_MGET = 4096;

/**
 * TokenCache's store in Redis, shared by every instance. The client fails fast (no offline queue, a command
 * timeout), so an outage surfaces here as an error at once rather than a request left waiting.
 */
export class RedisCacheStore implements CacheStore {
  /** Reads issued in the same event-loop turn (concurrent detokenize calls) go out as one MGET. */
  private readonly reads = new SameTurnBatch<string, string | null>((keys) => this.client.mget(keys), MAX_KEYS_PER_MGET);

  constructor(
    private readonly client: Redis,
    private readonly keyPrefix: string,
  ) {}

  async getMany(keys: readonly string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
    return this.reads.run(keys);
  }

  async addIfAbsent(entries: readonly CacheEntry[], ttlSeconds: number): Promise<void> {
    if (entries.length === 0) return;
    const pipeline = this.client.pipeline();
    for (const { key, value } of entries) pipeline.set(key, value, 'EX', ttlSeconds, 'NX');
    await execOrThrow(pipeline);
  }

  async tombstone(keys: readonly string[], ttlSeconds: number): Promise<void> {
    if (keys.length === 0) return;
    const pipeline = this.client.pipeline();
    for (const key of keys) pipeline.set(key, TOMBSTONE, 'EX', ttlSeconds);
    await execOrThrow(pipeline);
  }

  /** SCAN patterns and returned keys carry the full prefix, which ioredis would add a second time to UNLINK. */
  async clear(): Promise<void> {
    let cursor = '0';
    do {
      const [next, found] = await this.client.scan(cursor, 'MATCH', `${this.keyPrefix}${TOKEN_CACHE_NAMESPACE}*`, 'COUNT', 500);
      cursor = next;
      if (found.length > 0) await this.client.unlink(...found.map((key) => key.slice(this.keyPrefix.length)));
    } while (cursor !== '0');
  }
}

async function execOrThrow(pipeline: ReturnType<Redis['pipeline']>): Promise<void> {
  const results = (await pipeline.exec()) ?? [];
  const failed = results.find(([error]) => error !== null);
  if (failed) throw failed[0];
}
