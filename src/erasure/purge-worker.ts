import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { APP_LOGGER, type AppLogger } from '../common/logging/logger.js';
import { VAULT_CONFIG, type VaultConfig } from '../config/vault-config.js';
import { ExpiredTokenPurge, type PurgePass } from './expired-token-purge.js';

/** Everything one instance's worker has purged since it started: counts only, never tokens. */
export interface PurgeTotals {
  readonly erased: number;
  readonly batches: number;
  readonly passes: number;
  readonly failedPasses: number;
}

/**
 * Runs the purge every VAULT_PURGE_INTERVAL_SECONDS on every instance (0: never, on this instance). One pass
 * at a time per instance; a tick that finds a pass still running does not start another. On shutdown it stops
 * between batches and waits for the batch in flight to commit or roll back before the database closes
 * (ErasureModule is imported after PrismaModule and AuditModule, so Nest destroys it first).
 */
@Injectable()
export class PurgeWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<PurgePass | null> | null = null;
  private stopping = false;
  private counts: PurgeTotals = { erased: 0, batches: 0, passes: 0, failedPasses: 0 };

  constructor(
    private readonly purge: ExpiredTokenPurge,
    @Inject(VAULT_CONFIG) private readonly config: VaultConfig,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
  ) {}

  onApplicationBootstrap(): void {
    const seconds = this.config.purge.intervalSeconds;
    if (seconds === 0) return;
    this.timer = setInterval(() => void this.runPass(), seconds * 1000);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.pass;
  }

  get totals(): PurgeTotals {
    return this.counts;
  }

  /** A pass now; while one runs, that one. Null once the instance is stopping. */
  runPass(): Promise<PurgePass | null> {
    if (this.stopping) return Promise.resolve(null);
    if (this.pass === null) {
      this.pass = this.purgeCounted().finally(() => {
        this.pass = null;
      });
    }
    return this.pass;
  }

  private async purgeCounted(): Promise<PurgePass> {
    const pass = await this.purge.purgeExpired(() => !this.stopping);
    this.counts = {
      erased: this.counts.erased + pass.erased,
      batches: this.counts.batches + pass.batches,
      passes: this.counts.passes + 1,
      failedPasses: this.counts.failedPasses + (pass.interruptedBy === 'error' ? 1 : 0),
    };
    if (pass.erased > 0) this.logger.info({ erased: pass.erased, batches: pass.batches }, 'purged expired tokens');
    return pass;
  }
}
