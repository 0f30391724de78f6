import { Injectable } from '@nestjs/common';
import type { AuditEventDraft, ChainedAuditEvent } from '../audit/audit-event.js';
import { auditUnavailable, AuditLog } from '../audit/audit-log.service.js';
import { TokenCache } from '../cache/token-cache.js';
import { PrismaService, type PrismaTransaction } from '../prisma/prisma.service.js';
import { withTransactionRetry } from '../prisma/transaction-retry.js';
import { ErasureRepository, type ErasableToken } from './erasure.repository.js';

/** Rows per erasure transaction (per-patient erasure and the purge): one audit event each. */
export const ERASE_BATCH_ROWS = 250;

export interface ErasedBatch {
  readonly erased: readonly ErasableToken[];
  /** Null when nothing was erased and nothing had to be recorded. */
  readonly event: ChainedAuditEvent | null;
}

/**
 * The one way rows are erased. In a single transaction: lock the rows, turn them into tombstones, append the
 * `delete` event. So an erasure never commits without its record, and when the record cannot be written the
 * erasure rolls back and the caller gets 503 `audit_unavailable`. The token cache forgets the rows before the
 * commit (so no reader can re-cache them, see CacheStore) and again after it, so no instance serves an erased
 * record from the cache afterwards.
 */
@Injectable()
export class TokenEraser {
  constructor(
    private readonly prisma: PrismaService,
    private readonly repository: ErasureRepository,
    private readonly audit: AuditLog,
    private readonly cache: TokenCache,
  ) {}

  /**
   * `lock` selects and locks the rows in the transaction; `draft` describes them for the log, or answers null
   * to record nothing (only ever when nothing is erased).
   */
  async eraseBatch(
    lock: (tx: PrismaTransaction) => Promise<ErasableToken[]>,
    draft: (erased: readonly ErasableToken[]) => AuditEventDraft | null,
  ): Promise<ErasedBatch> {
    const batch = await withTransactionRetry(() =>
      this.prisma.$transaction(
        async (tx): Promise<ErasedBatch> => {
          const rows = await lock(tx);
          const erasedCount = await this.repository.erase(tx, rows.map((row) => row.tokenKey));
          if (erasedCount !== rows.length) throw new Error(`erased ${erasedCount} of ${rows.length} locked rows`);
          await this.forget(rows);
          const event = draft(rows);
          if (event === null) {
            if (rows.length > 0) throw new Error('an erasure must be recorded');
            return { erased: rows, event: null };
          }
          try {
            const [chained] = await this.audit.appendWithin(tx, [event]);
            return { erased: rows, event: chained };
          } catch (error) {
            throw auditUnavailable(error);
          }
        },
        { timeout: 30_000 },
      ),
    );
    await this.forget(batch.erased);
    return batch;
  }

  private async forget(rows: readonly ErasableToken[]): Promise<void> {
    if (rows.length === 0) return;
    await this.cache.forget(
      rows.map((row) => row.tokenKey),
      rows.flatMap((row) => (row.fingerprint === null ? [] : [row.fingerprint])),
    );
  }
}
