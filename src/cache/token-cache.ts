import { Inject, Injectable } from '@nestjs/common';
import { APP_LOGGER, type AppLogger } from '../common/logging/logger.js';
import { VAULT_CONFIG, type VaultConfig } from '../config/vault-config.js';
import { KeyringService } from '../crypto/keyring.service.js';
import { MetricsService } from '../health/metrics.service.js';
import type { TokenRecord } from '../tokens/token.repository.js';
import type { CacheStore } from './cache-store.js';
import { MemoryCacheStore } from './memory-cache-store.js';
import { RedisCacheStore } from './redis-cache-store.js';
import { RedisService } from './redis.service.js';
import { decodePointer, decodeRecord, encodePointer, encodeRecord, fingerprintKey, recordKey, type Decoded, type EntryMac } from './token-cache-entry.js';

/** Long enough to outlast any read that started before a row changed (see CacheStore's protocol). */
const TOMBSTONE_SECONDS = 30;

/**
 * What the vault caches about tokens: token key -> encrypted record, fingerprint -> token key. Never a
 * plaintext, never a key; every entry carries a MAC under a subkey of the index root, so an entry forged or
 * edited in Redis is rejected (and counted), not revealed. AES-GCM still binds each ciphertext to its row.
 *
 * The cache is an accelerator only: every failure is a miss, no request fails because of it. When a
 * `forget` could not reach the store, entries that should have been dropped may survive the outage, so the
 * cache is bypassed until it has been cleared. (Another instance that reached Redis throughout keeps serving
 * until the entry's TTL: the bound on staleness under a partial outage is VAULT_CACHE_TTL_SECONDS.)
 */
@Injectable()
export class TokenCache {
  private readonly store: CacheStore | null;
  private readonly ttlSeconds: number;
  private readonly mac: EntryMac;
  #mustClear = false;
  #clearing: Promise<void> | undefined;

  constructor(
    @Inject(VAULT_CONFIG) config: VaultConfig,
    private readonly redis: RedisService,
    keyring: KeyringService,
    private readonly metrics: MetricsService,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
  ) {
    this.ttlSeconds = config.tokenCacheTtlSeconds;
    this.store = this.ttlSeconds === 0 ? null : redis.client === null ? new MemoryCacheStore() : new RedisCacheStore(redis.client, config.redisKeyPrefix);
    this.mac = (cacheKey, payload) => keyring.indexKeys.cacheEntryMac(cacheKey, payload);
  }

  /** Cached, authenticated records for these token keys (hits only). */
  records(tokenKeys: readonly string[]): Promise<Map<string, TokenRecord>> {
    return this.lookup('record', tokenKeys, recordKey, decodeRecord);
  }

  /** Token keys of deterministic-mode fingerprints (hex), where cached. The caller checks the record's fingerprint. */
  tokenKeysOf(fingerprintsHex: readonly string[]): Promise<Map<string, string>> {
    return this.lookup('fingerprint', fingerprintsHex, fingerprintKey, decodePointer);
  }

  /** The authenticated hits among `ids`' entries, each lookup counted by its result. */
  private async lookup<T>(
    entry: 'record' | 'fingerprint',
    ids: readonly string[],
    cacheKeyOf: (id: string) => string,
    decode: (id: string, stored: string | null, mac: EntryMac) => Decoded<T>,
  ): Promise<Map<string, T>> {
    const found = new Map<string, T>();
    const stored = await this.read(ids.map(cacheKeyOf));
    if (stored === null) {
      this.countBypassed(entry, ids.length);
      return found;
    }
    ids.forEach((id, index) => {
      const decoded = decode(id, stored[index], this.mac);
      if (decoded.kind === 'hit') found.set(id, decoded.value);
      this.metrics.tokenCacheLookups.inc({ entry, result: decoded.kind === 'tombstone' ? 'miss' : decoded.kind });
    });
    return found;
  }

  /** Caches live rows read from the database (never erased ones); an entry or tombstone already there wins. */
  async remember(records: readonly TokenRecord[]): Promise<void> {
    if (this.store === null || this.#mustClear || records.length === 0) return;
    const live = records.filter((record) => record.ciphertext !== null && record.erasedAt === null);
    const entries = live.flatMap((record) => {
      const entry = { key: recordKey(record.tokenKey), value: encodeRecord(record, this.mac) };
      if (record.fingerprint === null) return [entry];
      const hex = record.fingerprint.toString('hex');
      return [entry, { key: fingerprintKey(hex), value: encodePointer(hex, record.tokenKey, this.mac) }];
    });
    try {
      await this.store.addIfAbsent(entries, this.ttlSeconds);
    } catch (error) {
      this.storeFailed(error); // a lost fill costs a later miss, nothing more
    }
  }

  /**
   * Drops every cached entry for these token keys and fingerprints, for all instances. Writers call it
   * before committing a change to those rows and again after: see CacheStore's protocol. Never throws.
   */
  async forget(tokenKeys: readonly string[], fingerprints: readonly Buffer[] = []): Promise<void> {
    if (this.store === null || (tokenKeys.length === 0 && fingerprints.length === 0)) return;
    const keys = [...tokenKeys.map(recordKey), ...fingerprints.map((fingerprint) => fingerprintKey(fingerprint.toString('hex')))];
    try {
      if (this.redis.client !== null && !this.redis.isReady) throw new Error('redis is not connected');
      await this.store.tombstone(keys, TOMBSTONE_SECONDS);
    } catch (error) {
      if (!this.#mustClear) this.logger.warn({ err: (error as Error).name }, 'token cache: could not drop changed entries; bypassing the cache until it is cleared');
      this.#mustClear = true;
      this.storeFailed(error);
    }
  }

  /** Stored strings for the keys, or null when the cache is off, bypassed or unreachable (callers read the database). */
  private async read(keys: readonly string[]): Promise<(string | null)[] | null> {
    if (this.store === null || keys.length === 0) return null;
    if (this.redis.client !== null && !this.redis.isReady) return null;
    if (this.#mustClear && !(await this.clearAfterOutage())) return null;
    try {
      return await this.store.getMany(keys);
    } catch (error) {
      this.storeFailed(error);
      return null;
    }
  }

  /** True once every entry has been dropped since a forget was lost; callers sharing the wait share one clear. */
  private async clearAfterOutage(): Promise<boolean> {
    this.#clearing ??= (this.store as CacheStore)
      .clear()
      .then(() => {
        this.#mustClear = false;
        this.logger.info('token cache: cleared after an outage; serving from the cache again');
      })
      .catch((error: unknown) => this.storeFailed(error))
      .finally(() => {
        this.#clearing = undefined;
      });
    await this.#clearing;
    return !this.#mustClear;
  }

  private storeFailed(error: unknown): void {
    this.metrics.tokenCacheErrors.inc();
    this.logger.debug({ err: (error as Error).name }, 'token cache unavailable; reading from the database');
  }

  /** Lookups the cache could not answer (unreachable, or being cleared); none are counted while it is off. */
  private countBypassed(entry: 'record' | 'fingerprint', amount: number): void {
    if (this.store !== null && amount > 0) this.metrics.tokenCacheLookups.inc({ entry, result: 'bypassed' }, amount);
  }
}
