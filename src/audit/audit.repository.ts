import { Inject, Injectable } from '@nestjs/common';
import { VAULT_CONFIG, type VaultConfig } from '../config/vault-config.js';
import { PrismaService, type PrismaTransaction } from '../prisma/prisma.service.js';
import type { AuditEvent } from './audit-event.js';

/** An event ready to join the chain: everything but its seq, and its canonical encoding around the seq. */
export interface UnchainedEvent {
  readonly event: Omit<AuditEvent, 'seq'>;
  /** canonicalAroundSeq(event): the database completes the encoding with the seq it assigns. */
  readonly canonical: readonly [beforeSeq: string, afterSeq: string];
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
    const batch = events.map(({ event, canonical }, index) => ({
      n: index + 1,
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
      canonical_before_seq: canonical[0],
      canonical_after_seq: canonical[1],
    }));
    const rows = await run([JSON.stringify(batch), Math.max(1, Math.ceil(lockWaitMs))]);
    if (rows.length !== events.length) throw new Error(`audit_append linked ${rows.length} of ${events.length} events`);
    // The seqs are consecutive in event order (head + n); sorting restores that order whatever order RETURNING used.
    return rows
      .map((row) => ({ seq: BigInt(row.seq), prevHash: Buffer.from(row.prev_hash), hash: Buffer.from(row.hash) }))
      .sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
  }
}
