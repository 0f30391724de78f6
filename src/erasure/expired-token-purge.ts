import { Inject, Injectable } from '@nestjs/common';
import { APP_LOGGER, type AppLogger } from '../common/logging/logger.js';
import { describeCause } from '../common/errors/problem.filter.js';
import { expiryPurgeDraft } from './erasure-audit.js';
import { ErasureRepository } from './erasure.repository.js';
import { ERASE_BATCH_ROWS, TokenEraser } from './token-eraser.js';

/**
 * What one purge pass did. `erased` and `batches` count committed work only, also when the pass was cut
 * short, so a metrics collector can add them to counters as they are.
 */
export interface PurgePass {
  readonly erased: number;
  readonly batches: number;
  /** Why the pass ended before everything expired was erased; null: nothing expired is left unclaimed. */
  readonly interruptedBy: 'shutdown' | 'error' | null;
}

/**
 * Erases tokens whose ttl has run out (expires_at <= the database's now()), in batches of ERASE_BATCH_ROWS,
 * each one transaction with its system `delete` event (details.reason `expired`). Safe on every instance at
 * once: batches claim rows with FOR UPDATE SKIP LOCKED, so no row is erased (or recorded) twice.
 */
@Injectable()
export class ExpiredTokenPurge {
  constructor(
    private readonly eraser: TokenEraser,
    private readonly repository: ErasureRepository,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
  ) {}

  /**
   * Purges until nothing expired is left unclaimed, or until `keepGoing` answers false, which is asked only
   * between batches: a batch is committed or rolled back whole, never left half-done. A failing batch (the
   * database or the audit log away) rolls back and ends the pass; the next pass takes its rows again.
   */
  async purgeExpired(keepGoing: () => boolean = () => true): Promise<PurgePass> {
    let erased = 0;
    let batches = 0;
    try {
      for (;;) {
        if (!keepGoing()) return { erased, batches, interruptedBy: 'shutdown' };
        const batch = await this.eraser.eraseBatch(
          (tx) => this.repository.claimExpired(tx, ERASE_BATCH_ROWS),
          (rows) => (rows.length === 0 ? null : expiryPurgeDraft(rows)),
        );
        erased += batch.erased.length;
        if (batch.erased.length > 0) batches += 1;
        if (batch.erased.length < ERASE_BATCH_ROWS) return { erased, batches, interruptedBy: null };
      }
    } catch (error) {
      this.logger.warn({ err: describeCause(error), erased, batches }, 'purge of expired tokens interrupted; the next pass resumes it');
      return { erased, batches, interruptedBy: 'error' };
    }
  }
}
