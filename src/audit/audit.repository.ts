import { Inject, Injectable } from '@nestjs/common';
import { VAULT_CONFIG, type VaultConfig } from '../config/vault-config.js';
import { PrismaService, type PrismaTransaction } from '../prisma/prisma.service.js';
import type { AuditEvent } from './audit-event.js';
import { canonicalAroundSeq } from './chain.js';

/** An event ready to join the chain: everything but its seq, and its row of audit_append's batch. */
export interface UnchainedEvent {
  readonly event: Omit<AuditEvent, 'seq'>;
  /**
   * The event's row of audit_append's batch as JSON text, without its position `n` (batchJson adds it), and with
   * canonicalAroundSeq(event), which the database completes with the seq it assigns. Serialized when the event is
   * drafted, by its own request, so a group-commit batch only joins text while every request waits for it.
   */
  readonly row: string;
}

/** Prepares one event for audit_append. The event must not change afterwards: its row is already serialized. */
export function unchainedEvent(event: Omit<AuditEvent, 'seq'>): UnchainedEvent {
  const [beforeSeq, afterSeq] = canonicalAroundSeq(event);
  const row = JSON.stringify({
    id: event.id,
    at: event.at.toISOString(),
    actor_sub: event.actor.sub,
    actor_roles: event.actor.roles,
    actor_client_id: event.actor.clientId,
    action: event.action,
    purpose: event.purpose,
    justification: event.justification,
    break_glass: event.breakGlass,
    tokens: event.tokens,
    token_keys: event.tokenKeys,
    outcome: event.outcome,
    details: event.details,
    canonical_before_seq: beforeSeq,
    canonical_after_seq: afterSeq,
  });
  return { event, row };
}

/**
 * audit_append's batch: a JSON array of the rows, each with its 1-based position `n` first. Every row is a JSON
 * object with at least one member (`id`), so `{"n":k,` followed by the row without its `{` is one well-formed object.
 */
export function batchJson(events: readonly UnchainedEvent[]): string {
  let out = '[';
  for (let i = 0; i < events.length; i += 1) {
    if (i > 0) out += ',';
    out += `{"n":${i + 1},${events[i].row.slice(1)}`;
  }
  return `${out}]`;
}

export interface ChainLink {
  readonly seq: bigint;
  readonly prevHash: Buffer;
  readonly hash: Buffer;
}

/** As the driver gives it: Prisma reads int8 as a bigint, `pg` as a decimal string. */
interface LinkRow {
  seq: bigint | string;
  prev_hash: Uint8Array;
  hash: Uint8Array;
}

const APPEND = 'SELECT seq, prev_hash, hash FROM audit_append($1::jsonb, $2::integer)';

@Injectable()
export class AuditRepository {
  /** By default, the longest a statement waits for the chain lock before it fails (and its callers answer 503). */
  private readonly lockWaitMs: number;

  constructor(
    @Inject(VAULT_CONFIG) config: VaultConfig,
    private readonly prisma: PrismaService,
  ) {
    this.lockWaitMs = config.audit.appendTimeoutMs;
  }

  /** The events as a transaction of their own: the group commit's one statement per batch, straight to the pool. */
  appendAlone(events: readonly UnchainedEvent[], lockWaitMs = this.lockWaitMs): Promise<ChainLink[]> {
    return this.append(events, lockWaitMs, (values) => this.prisma.statement<LinkRow>(APPEND, values));
  }

  /** The events inside the caller's transaction: they commit, or not, with its own writes. */
  appendWithin(tx: PrismaTransaction, events: readonly UnchainedEvent[]): Promise<ChainLink[]> {
    return this.append(events, this.lockWaitMs, (values) => tx.$queryRawUnsafe<LinkRow[]>(APPEND, ...values));
  }

  /**
   * Extends the chain with the events, in order, in one statement: the SQL function audit_append (migration
   * 20261123200000) takes the chain lock (pg_advisory_xact_lock(0x7068692d61756469), "phi-audi", shared by
   * every vault process), reads the head, assigns seqs and hashes, inserts. Its two-argument form (migration
   * 20261201100000) waits at most `lockWaitMs` for the lock, then fails with 55P03 having written nothing.
   * Within a transaction, the lock is held until the caller commits, so its own writes and the events stand or
   * fall together; alone, the statement is a transaction of its own. Answers the links in event order.
   */
  private async append(events: readonly UnchainedEvent[], lockWaitMs: number, run: (values: readonly unknown[]) => Promise<LinkRow[]>): Promise<ChainLink[]> {
    if (events.length === 0) return [];
    const rows = await run([batchJson(events), Math.max(1, Math.ceil(lockWaitMs))]);
    if (rows.length !== events.length) throw new Error(`audit_append linked ${rows.length} of ${events.length} events`);
    // The seqs are consecutive in event order (head + n); sorting restores that order whatever order RETURNING used.
    return rows
      .map((row) => ({ seq: BigInt(row.seq), prevHash: Buffer.from(row.prev_hash), hash: Buffer.from(row.hash) }))
      .sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
  }
}
