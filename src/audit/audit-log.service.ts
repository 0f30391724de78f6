import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { GroupCommit, type BatchBudget } from '../common/batching/group-commit.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { VaultError } from '../common/errors/vault-error.js';
import { VAULT_CONFIG, type VaultConfig } from '../config/vault-config.js';
import { MetricsService } from '../health/metrics.service.js';
import type { PrismaTransaction } from '../prisma/prisma.service.js';
import type { AuditEvent, AuditEventDraft, ChainedAuditEvent } from './audit-event.js';
import { AuditRepository, unchainedEvent, type ChainLink, type UnchainedEvent } from './audit.repository.js';
import { unstorablePath } from './storable-text.js';

/** One caller's events, each prepared (identified and serialized) by the caller before it joins a batch. */
type AppendRequest = readonly UnchainedEvent[];

/**
 * Appends events to the hash chain. Invariant: a caller that reveals anything does so only after
 * `append` has returned, i.e. after its event is committed; if the write fails the caller gets
 * AuditUnavailable (503) and reveals nothing.
 *
 * Concurrent `append` calls are group-committed: one statement (one chain lock, one insert: audit_append) carries
 * every request of a batch, and each caller learns the fate of that transaction, which is its own event's.
 *
 * Fail closed with a deadline: a caller whose event is not committed within AUDIT_APPEND_TIMEOUT_MS gets
 * AuditUnavailable (503), whatever the database is doing, and a batch waits for the chain lock no longer than its
 * oldest caller still waits. Only a statement that got the lock in time but whose commit outlasted the deadline
 * (a database stalling mid-commit) can leave an event for a call that answered 503 and revealed nothing; a
 * reveal without its committed event can never happen.
 */
@Injectable()
export class AuditLog implements OnModuleDestroy {
  private readonly batches: GroupCommit<AppendRequest, AuditEvent[]>;

  constructor(
    private readonly repository: AuditRepository,
    @Inject(VAULT_CONFIG) config: VaultConfig,
    private readonly metrics: MetricsService,
  ) {
    this.batches = new GroupCommit((requests, budget) => this.commitBatch(requests, budget), {
      windowMs: config.audit.batchWindowMs,
      maxBatch: config.audit.batchMax,
      deadlineMs: config.audit.appendTimeoutMs,
    });
  }

  /** Commits the events (with those of concurrent callers) in a transaction of their own. */
  async append(drafts: readonly AuditEventDraft[]): Promise<AuditEvent[]> {
    assertStorable(drafts);
    if (drafts.length === 0) return [];
    try {
      return await this.batches.submit(prepared(drafts));
    } catch (error) {
      throw auditUnavailable(error);
    }
  }

  /** Adds the events to a transaction the caller commits (so its own writes and their audit stand or fall together). */
  async appendWithin(tx: PrismaTransaction, drafts: readonly AuditEventDraft[]): Promise<ChainedAuditEvent[]> {
    assertStorable(drafts);
    const events = prepared(drafts);
    return chained(events, await this.repository.appendWithin(tx, events));
  }

  /**
   * Shutdown: commits every waiting append before the database goes. This must run in onModuleDestroy, not
   * in a later shutdown hook: PrismaService disconnects in its own onModuleDestroy, and Nest destroys
   * modules in reverse import order, so AuditModule (imported after PrismaModule) flushes first.
   * Appends arriving after this point are refused (503), never left hanging.
   */
  async onModuleDestroy(): Promise<void> {
    await this.batches.close();
  }

  /**
   * One statement, hence one transaction, for the whole batch: all of its events commit, or none does. It waits
   * for the chain lock only as long as its oldest caller still waits for it, so a batch whose callers were
   * answered 503 does not commit their events later.
   */
  private async commitBatch(requests: readonly AppendRequest[], budget: BatchBudget): Promise<AuditEvent[][]> {
    const endTimer = this.metrics.auditCommitDuration.startTimer();
    const unchained = requests.flat();
    const events = chained(unchained, await this.repository.appendAlone(unchained, budget.remainingMs ?? undefined));
    endTimer();
    this.metrics.auditBatchSize.observe(requests.length);
    observeCommitted(this.metrics, events);
    let offset = 0;
    return requests.map((drafts) => {
      const own = events.slice(offset, offset + drafts.length);
      offset += drafts.length;
      return own;
    });
  }
}

/**
 * The drafts as events ready to chain: ids and time here, when the caller asks (seqs and hashes come from the
 * database, under the chain lock). Each caller does this itself before it joins a batch, so the work overlaps the
 * batch that is committing instead of lengthening the next one.
 */
function prepared(drafts: readonly AuditEventDraft[]): UnchainedEvent[] {
  const at = new Date();
  return drafts.map((draft) => unchainedEvent(identified(draft, randomUUID(), at)));
}

/**
 * Completes each event with its link, in place (each event is its caller's own object, built by `identified`):
 * adding fields to a literal reuses its transitions.
 */
function chained(events: readonly UnchainedEvent[], links: readonly ChainLink[]): ChainedAuditEvent[] {
  return events.map(({ event }, index) => Object.assign(event, links[index]));
}

/**
 * Built field by field, not as `{ ...draft, id, at }`: on Node 20's V8 such a literal makes a new hidden class on
 * every call (a spread's copy has no transitions to reuse), and this runs for every audited request.
 */
function identified(draft: AuditEventDraft, id: string, at: Date): Omit<AuditEvent, 'seq'> {
  const { actor, action, purpose, justification, breakGlass, tokens, tokenKeys, outcome, details } = draft;
  return { actor, action, purpose, justification, breakGlass, tokens, tokenKeys, outcome, details, id, at };
}

/**
 * Metrics of events known to be committed (the group-committed path: appendWithin's events commit, or not,
 * with their caller's transaction). Counts only: labels are actions, outcomes and levels, never tokens.
 */
function observeCommitted(metrics: MetricsService, events: readonly AuditEvent[]): void {
  for (const event of events) {
    metrics.auditEvents.inc({ action: event.action, outcome: event.outcome });
    if (event.action !== 'detokenize') continue;
    if (event.breakGlass) metrics.breakGlassCalls.inc({ outcome: event.outcome });
    const reveals = event.details.reveals;
    if (typeof reveals !== 'object' || reveals === null) continue;
    for (const [level, count] of Object.entries(reveals)) if (typeof count === 'number' && count > 0) metrics.reveals.inc({ level }, count);
  }
}

export function auditUnavailable(cause: unknown): VaultError {
  if (cause instanceof VaultError) return cause;
  return new VaultError(ErrorCode.AuditUnavailable, 'The audit log could not be written, so nothing was revealed or stored.', { cause });
}

/** Refuses, for this caller alone, a draft the database could not store faithfully (see storable-text.ts). */
function assertStorable(drafts: readonly AuditEventDraft[]): void {
  const errors = drafts.flatMap((draft) => {
    const path = unstorablePath(draft);
    return path === null ? [] : [{ path, message: 'contains a NUL character or an unpaired surrogate, which cannot be recorded' }];
  });
  if (errors.length > 0) throw VaultError.validation(errors, 'The request holds text the audit log cannot record; nothing was revealed or stored.');
}
