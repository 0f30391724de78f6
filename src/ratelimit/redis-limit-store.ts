import type { Redis } from 'ioredis';
import type { Grant, LimitStore, WindowUsage } from './limit-store.js';

/**
 * KEYS[1] counter; ARGV cost, limit, windowMs. A key without a TTL (PTTL < 0) is treated as absent, so a
 * counter can never outlive its window. Returns {allowed 0|1, used, resetInMs}.
 */
const CONSUME = `
local cost = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local ttl = redis.call('PTTL', KEYS[1])
if ttl <= 0 then
  if cost > limit then return {0, 0, window} end
  redis.call('SET', KEYS[1], cost, 'PX', window)
  return {1, cost, window}
end
local used = tonumber(redis.call('GET', KEYS[1]))
if used + cost > limit then return {0, used, ttl} end
return {1, redis.call('INCRBY', KEYS[1], cost), ttl}
`;

/** KEYS[1] grant; ARGV value, ttlMs. Redis freezes time inside a script, so the GET after a failed SET NX finds the value. */
const PUT_IF_ABSENT = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {ARGV[1], 1, tonumber(ARGV[2])} end
return {redis.call('GET', KEYS[1]), 0, redis.call('PTTL', KEYS[1])}
`;

/** Limits shared by every vault instance on one Redis (and key prefix). */
export class RedisLimitStore implements LimitStore {
  constructor(private readonly redis: Redis) {}

  async consume(key: string, cost: number, limit: number, windowMs: number): Promise<WindowUsage> {
    const [allowed, used, resetInMs] = (await this.redis.eval(CONSUME, 1, key, cost, limit, windowMs)) as [number, number, number];
    return { allowed: allowed === 1, used, resetInMs };
  }

  async putIfAbsent(key: string, value: string, ttlMs: number): Promise<Grant> {
    const [live, created, expiresInMs] = (await this.redis.eval(PUT_IF_ABSENT, 1, key, value, ttlMs)) as [string, number, number];
    return { value: live, created: created === 1, expiresInMs };
  }
}
