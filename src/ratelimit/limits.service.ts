import { Inject, Injectable } from '@nestjs/common';
import { APP_LOGGER, type AppLogger } from '../common/logging/logger.js';
import { LIMIT_STORE, type Grant, type LimitStore } from './limit-store.js';
import { LimitMetrics, type LimitName } from './limit-metrics.js';

export type LimitCheck =
  | { readonly verdict: 'within' }
  | { readonly verdict: 'exceeded'; readonly retryAfterSeconds: number }
  /** The store was unreachable and the call went ahead unchecked (fail open). */
  | { readonly verdict: 'unchecked' };

const WARN_EVERY_MS = 60_000;

/**
 * Limit checks that FAIL OPEN: when the store (Redis) is unreachable the call is allowed, counted in
 * phi_vault_rate_limit_fail_open_total and warned about at most once a minute. A cache outage must not lock
 * a clinician out in an emergency; the audit log (which fails closed) still records every call.
 */
@Injectable()
export class LimitsService {
  private lastWarningAt = Number.NEGATIVE_INFINITY;
  private suppressedWarnings = 0;

  constructor(
    @Inject(LIMIT_STORE) private readonly store: LimitStore,
    private readonly metrics: LimitMetrics,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
  ) {}

  async consume(limit: LimitName, key: string, cost: number, max: number, windowMs: number): Promise<LimitCheck> {
    try {
      const usage = await this.store.consume(key, cost, max, windowMs);
      if (usage.allowed) return { verdict: 'within' };
      this.metrics.refused.inc({ limit });
      return { verdict: 'exceeded', retryAfterSeconds: Math.max(1, Math.ceil(usage.retryInMs / 1000)) };
    } catch (error) {
      this.failedOpen(limit, error);
      return { verdict: 'unchecked' };
    }
  }

  /** The live grant at `key` (stored now if absent), or null when the store is unreachable. */
  async grant(limit: LimitName, key: string, value: string, ttlMs: number): Promise<Grant | null> {
    try {
      return await this.store.putIfAbsent(key, value, ttlMs);
    } catch (error) {
      this.failedOpen(limit, error);
      return null;
    }
  }

  private failedOpen(limit: LimitName, error: unknown): void {
    this.metrics.failOpen.inc({ limit });
    const now = Date.now();
    if (now - this.lastWarningAt < WARN_EVERY_MS) {
      this.suppressedWarnings += 1;
      return;
    }
    // The error's class or code only: Redis client messages can name hosts, and nothing here needs more.
    const code = (error as { code?: unknown } | null)?.code;
    this.logger.warn(
      { limit, cause: typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown', suppressedSinceLastWarning: this.suppressedWarnings },
      'limit store unreachable: rate limits, break-glass caps and episodes FAIL OPEN until it is back',
    );
    this.lastWarningAt = now;
    this.suppressedWarnings = 0;
  }
}
