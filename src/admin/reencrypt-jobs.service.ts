import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { auditUnavailable, AuditLog } from '../audit/audit-log.service.js';
import type { Principal } from '../auth/principal.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { VaultError } from '../common/errors/vault-error.js';
import { KeyringService } from '../crypto/keyring.service.js';
import { PrismaService } from '../prisma/prisma.service.js';
import { withTransactionRetry } from '../prisma/transaction-retry.js';
import { JobsRepository, type JobState, type ReencryptJob } from './jobs.repository.js';
import { keyEventDraft } from '../audit/key-event.js';
import { ReencryptWorker } from './reencrypt-worker.js';

/** GET /v1/admin/jobs/{jobId}: the contract's state, done and total, and what the job is about. */
export interface JobView {
  readonly jobId: string;
  readonly kind: 'reencrypt';
  readonly state: JobState;
  readonly done: number;
  readonly total: number;
  readonly targetVersion: number;
  readonly createdAt: string;
  readonly finishedAt: string | null;
  /** Only when failed: a code (`undecryptable_row`), never data. */
  readonly error?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class ReencryptJobsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly keyring: KeyringService,
    private readonly jobs: JobsRepository,
    private readonly audit: AuditLog,
    private readonly worker: ReencryptWorker,
  ) {}

  /**
   * Starts re-encrypting every row below the current data-key version. While a job covering that version is
   * running, asking again answers that job (one job per target, across instances); after another rotation a
   * new job starts for the new version, and both may run (they claim rows without overlap). Every call is audited.
   */
  async start(principal: Principal): Promise<{ jobId: string }> {
    await this.keyring.refresh(); // target the newest active version, whichever instance rotated
    const target = this.keyring.currentKeyVersion;
    const job = await withTransactionRetry(() =>
      this.prisma.$transaction(async (tx) => {
        const running = await this.jobs.runningCovering(tx, target);
        const started = running ?? (await this.jobs.insertReencrypt(tx, randomUUID(), target, principal.sub)) ?? (await this.jobs.runningCovering(tx, target));
        if (started === null) throw new Error('a re-encryption job was neither started nor found');
        try {
          await this.audit.appendWithin(tx, [
            keyEventDraft(principal, 'reencrypt', { jobId: started.id, targetVersion: started.targetVersion, rows: started.total, alreadyRunning: running !== null }),
          ]);
        } catch (error) {
          throw auditUnavailable(error);
        }
        return started;
      }),
    );
    this.worker.wake();
    return { jobId: job.id };
  }

  /**
   * A job's progress. Audited like every admin call (operation `read_job`, also for an unknown job: details say
   * whether it was found; an id that is not a UUID is recorded as null, never as given), and answered only once
   * its event is committed.
   */
  async get(jobId: string, principal: Principal): Promise<JobView> {
    const wellFormed = UUID.test(jobId);
    const job = wellFormed ? await this.jobs.find(jobId) : null;
    await this.audit.append([
      keyEventDraft(principal, 'read_job', { jobId: wellFormed ? jobId.toLowerCase() : null, found: job !== null, ...(job === null ? {} : { state: job.state }) }),
    ]);
    if (job === null) throw new VaultError(ErrorCode.NotFound, 'No such job.');
    return viewOf(job);
  }
}

function viewOf(job: ReencryptJob): JobView {
  return {
    jobId: job.id,
    kind: job.kind,
    state: job.state,
    done: job.done,
    total: job.total,
    targetVersion: job.targetVersion,
    createdAt: job.createdAt.toISOString(),
    finishedAt: job.finishedAt?.toISOString() ?? null,
    ...(job.error === null ? {} : { error: job.error }),
  };
}
