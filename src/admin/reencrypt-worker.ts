import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { AuditLog } from '../audit/audit-log.service.js';
import { TokenCache } from '../cache/token-cache.js';
import { APP_LOGGER, type AppLogger } from '../common/logging/logger.js';
import { DecryptionError } from '../crypto/aead.js';
import { KeyringService } from '../crypto/keyring.service.js';
import { PrismaService } from '../prisma/prisma.service.js';
import { JobsRepository, type ReencryptJob } from './jobs.repository.js';
import { keyEventDraft } from '../audit/key-event.js';

/** Rows per batch: one transaction each, so an interrupted job loses at most one batch of work (rolled back). */
export const REENCRYPT_BATCH_ROWS = 500;
/** How often every instance looks for running jobs (and so how soon a restarted instance resumes one). */
export const JOB_POLL_INTERVAL_MS = 2_000;

/** A row that cannot be decrypted: the job stops as failed rather than skip it (it would block retirement forever). */
class UndecryptableRow extends Error {
  constructor(
    readonly tokenKey: string,
    readonly reason: string,
  ) {
    super('a stored ciphertext could not be decrypted');
  }
}

/**
 * Works every running re-encryption job, on every instance at once. A batch claims rows with FOR UPDATE SKIP
 * LOCKED, re-seals them inside the keyring (the value never leaves it) and counts them in the same
 * transaction, so instances never rewrite a row twice or count it twice, and a killed instance's batch simply
 * rolls back. Nothing is leased: any instance picks up any running job within JOB_POLL_INTERVAL_MS.
 */
@Injectable()
export class ReencryptWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> | null = null;
  private wakeAgain = false;
  private stopping = false;

  constructor(
    private readonly prisma: PrismaService,
    private readonly jobs: JobsRepository,
    private readonly keyring: KeyringService,
    private readonly audit: AuditLog,
    private readonly cache: TokenCache,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.wake(), JOB_POLL_INTERVAL_MS);
    this.timer.unref();
    this.wake();
  }

  /** Stops between batches; a batch in flight commits or rolls back whole before the database closes. */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.pass;
  }

  /** Starts a pass over the running jobs now (or right after the current pass). */
  wake(): void {
    if (this.stopping) return;
    if (this.pass !== null) {
      this.wakeAgain = true;
      return;
    }
    this.pass = this.workAll().finally(() => {
      this.pass = null;
      if (this.wakeAgain) {
        this.wakeAgain = false;
        this.wake();
      }
    });
  }

  private async workAll(): Promise<void> {
    try {
      for (const job of await this.jobs.running()) {
        if (this.stopping) return;
        await this.work(job);
      }
    } catch (error) {
      // Transient (database away, lock timeout): the job stays running and the next pass continues it.
      this.logger.warn({ err: (error as Error).name }, 're-encryption pass interrupted; it resumes on the next pass');
    }
  }

  private async work(job: ReencryptJob): Promise<void> {
    if (!(await this.canWriteAtLeast(job.targetVersion))) return;
    while (!this.stopping) {
      let claimed: number;
      try {
        const batch = await this.batch(job);
        // Again after the commit (see batch()): a read that raced the rewrite cannot leave the old ciphertext cached.
        await this.cache.forget(batch.tokenKeys);
        claimed = batch.claimed;
        if (claimed > 0) this.logger.debug({ jobId: job.id, rows: batch.rewritten }, 're-encryption batch committed');
      } catch (error) {
        if (!(error instanceof UndecryptableRow)) throw error;
        await this.jobs.markFailed(job.id, 'undecryptable_row');
        this.logger.error({ jobId: job.id, tokenKey: error.tokenKey, reason: error.reason }, 're-encryption failed: a stored ciphertext does not decrypt; no key was retired');
        return;
      }
      if (claimed > 0) continue;
      const finished = await this.jobs.finish(job.id, job.targetVersion);
      if ('remaining' in finished || finished.job === null) return; // rows held elsewhere or written meanwhile: next pass
      this.logger.info({ jobId: job.id, rows: finished.job.done, retiredVersions: finished.retired }, 're-encryption finished');
      await this.recordFinished(finished.job, finished.retired);
      return;
    }
  }

  /**
   * One batch in one transaction; claimed 0: no row left that another transaction does not hold.
   *
   * The rewritten rows are dropped from the token cache before the commit and again after it (TokenCache's
   * protocol). Reads never fail because of a rotation only if no instance keeps serving a cached ciphertext
   * under an old version once that version is retired and, a grace period later, no longer loaded.
   */
  private async batch(job: ReencryptJob): Promise<{ claimed: number; rewritten: number; tokenKeys: string[] }> {
    return this.prisma.$transaction(
      async (tx) => {
        const rows = await this.jobs.claimRows(tx, job.targetVersion, REENCRYPT_BATCH_ROWS);
        if (rows.length === 0) return { claimed: 0, rewritten: 0, tokenKeys: [] };
        await this.keyring.ensureVersionsLoaded(rows.map((row) => row.ciphertext));
        const resealed = rows.map((row) => {
          try {
            return { ...this.keyring.reseal(row.ciphertext, { tokenKey: row.tokenKey, type: row.type }), tokenKey: row.tokenKey, previousVersion: row.keyVersion };
          } catch (error) {
            if (error instanceof DecryptionError) throw new UndecryptableRow(row.tokenKey, error.reason);
            throw error;
          }
        });
        // Never write below the target: those rows would be selected again forever.
        if (resealed.some((row) => row.keyVersion < job.targetVersion)) throw new Error('the current data key is below the job target');
        const tokenKeys = rows.map((row) => row.tokenKey);
        await this.cache.forget(tokenKeys);
        const rewritten = await this.jobs.rewriteRows(tx, resealed);
        await this.jobs.addProgress(tx, job.id, rewritten);
        return { claimed: rows.length, rewritten, tokenKeys };
      },
      { timeout: 60_000 },
    );
  }

  /** This instance encrypts with the job's target version or a later one (reloading the keys once if not). */
  private async canWriteAtLeast(version: number): Promise<boolean> {
    if (this.keyring.currentKeyVersion >= version) return true;
    await this.keyring.refresh();
    return this.keyring.currentKeyVersion >= version;
  }

  private async recordFinished(job: ReencryptJob, retired: readonly number[]): Promise<void> {
    try {
      await this.audit.append([keyEventDraft(null, 'reencrypt_finished', { jobId: job.id, targetVersion: job.targetVersion, rows: job.done, retiredVersions: retired })]);
    } catch {
      // The job's own state is committed; the event is lost, and said so in the log (never silently).
      this.logger.error({ jobId: job.id }, 'could not record the end of a re-encryption job in the audit log');
    }
  }
}
