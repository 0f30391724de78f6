import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Grant, LimitStore, WindowUsage } from './limit-store.js';

/**
 * The rolling window, in one atomic script. KEYS[1]: the log, a sorted set of the counted costs (member
 * "<cost>:<unique id>", score = when it was counted, in ms); KEYS[2]: the sum of the costs in the log, kept
 * so that a call touches only the entries that leave. ARGV: cost, limit, windowMs, unique id.
 * Returns {allowed 0|1, used, retryInMs}.
 *
 * Time is Redis's own clock (TIME), so instances whose clocks disagree still share one window. Both keys
 * expire a window after the newest counted cost, so nothing outlives its window. A fixed-window counter
 * written by an earlier version (a plain string) is carried over as one cost that leaves when its window
 * would have ended, so an upgrade neither resets nor stretches a caller's count; one without a TTL counts
 * as expired, so it can never block forever.
 */
const CONSUME = `
local cost = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local cutoff = now - window
local function costOf(member) return tonumber(string.match(member, '^(%d+):')) end

local kind = redis.call('TYPE', KEYS[1])['ok']
if kind ~= 'zset' and kind ~= 'none' then
  local legacy = kind == 'string' and tonumber(redis.call('GET', KEYS[1])) or nil
  local ttl = redis.call('PTTL', KEYS[1])
  redis.call('DEL', KEYS[1], KEYS[2])
  if legacy ~= nil and legacy > 0 and ttl > 0 then
    redis.call('ZADD', KEYS[1], now - window + math.min(ttl, window), math.floor(legacy) .. ':legacy')
  end
end

local total = tonumber(redis.call('GET', KEYS[2]))
if total == nil then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', cutoff)
  total = 0
  for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do total = total + costOf(member) end
else
  for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', cutoff)) do total = total - costOf(member) end
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', cutoff)
  if redis.call('ZCARD', KEYS[1]) == 0 then total = 0 end
end

local allowed, retry = 0, 0
if total + cost <= limit then
  redis.call('ZADD', KEYS[1], now, cost .. ':' .. ARGV[4])
  total = total + cost
  allowed = 1
elseif cost > limit then
  retry = window
else
  local entries = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
  local left = total
  retry = window
  for i = 1, #entries, 2 do
    left = left - costOf(entries[i])
    if left + cost <= limit then
      retry = tonumber(entries[i + 1]) + window - now
      break
    end
  end
end

if total > 0 then
  redis.call('PEXPIRE', KEYS[1], window)
  redis.call('SET', KEYS[2], total, 'PX', window)
else
  redis.call('DEL', KEYS[1], KEYS[2])
end
return {allowed, total, retry}
`;

/** KEYS[1] grant; ARGV value, ttlMs. Redis freezes time inside a script, so the GET after a failed SET NX finds the value. */
const PUT_IF_ABSENT = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {ARGV[1], 1, tonumber(ARGV[2])} end
return {redis.call('GET', KEYS[1]), 0, redis.call('PTTL', KEYS[1])}
`;

interface Script {
  readonly source: string;
  readonly sha: string;
}

const script = (source: string): Script => ({ source, sha: createHash('sha1').update(source).digest('hex') });
const SCRIPTS = { consume: script(CONSUME), putIfAbsent: script(PUT_IF_ABSENT) } as const;

/** Limits shared by every vault instance on one Redis (and key prefix). */
export class RedisLimitStore implements LimitStore {
  constructor(private readonly redis: Redis) {}

  async consume(key: string, cost: number, limit: number, windowMs: number): Promise<WindowUsage> {
    const [allowed, used, retryInMs] = (await this.run(SCRIPTS.consume, [key, `${key}:total`], [cost, limit, windowMs, randomUUID()])) as [number, number, number];
    return { allowed: allowed === 1, used, retryInMs };
  }

  async putIfAbsent(key: string, value: string, ttlMs: number): Promise<Grant> {
    const [live, created, expiresInMs] = (await this.run(SCRIPTS.putIfAbsent, [key], [value, ttlMs])) as [string, number, number];
    return { value: live, created: created === 1, expiresInMs };
  }

  /** EVALSHA, sending the script itself only when this Redis has not seen it yet (after a restart, say). */
  private async run(target: Script, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await this.redis.evalsha(target.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return this.redis.eval(target.source, keys.length, ...keys, ...args);
    }
  }
}
