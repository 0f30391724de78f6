import { Injectable } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client.js';
import { PrismaService } from '../prisma/prisma.service.js';
import type { AuditOutcome, AuditReview, ChainedAuditEvent, ReviewDecision, ReviewStatus, StoredAuditEvent } from './audit-event.js';

/** Filters of the compliance listing; every one given must hold (AND). */
export interface AuditEventFilter {
  readonly actor?: string;
  readonly action?: string;
  readonly purpose?: string;
  readonly breakGlass?: boolean;
  readonly review?: ReviewStatus;
  /** The type-independent key of a token: matches the token in any of its renderings. */
  readonly tokenKey?: string;
  /** Inclusive. */
  readonly from?: Date;
  /** Exclusive. */
  readonly to?: Date;
  /** Keyset paging: only events older than this seq. */
  readonly beforeSeq?: bigint;
}

interface EventRow {
  seq: bigint;
  id: string;
  at: Date;
  actor_sub: string;
  actor_roles: string[] | null;
  actor_client_id: string | null;
  action: string;
  purpose: string | null;
  justification: string | null;
  break_glass: boolean;
  tokens: string[] | null;
  token_keys: string[] | null;
  outcome: string;
  details: Record<string, unknown>;
  prev_hash: Uint8Array;
  hash: Uint8Array;
}

interface ReviewedRow extends EventRow {
  review_status: ReviewDecision | null;
  review_reviewer: string | null;
  review_note: string | null;
  review_at: Date | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const EVENT_COLUMNS = Prisma.sql`e.seq, e.id, e.at, e.actor_sub, e.actor_roles, e.actor_client_id, e.action, e.purpose, e.justification,
  e.break_glass, e.tokens, e.token_keys, e.outcome, e.details, e.prev_hash, e.hash`;
const REVIEW_COLUMNS = Prisma.sql`r.status AS review_status, r.reviewer AS review_reviewer, r.note AS review_note, r.at AS review_at`;

/** Reads of the audit log and its reviews. Read-only: appends go through AuditRepository, reviews through AuditReviewRepository. */
@Injectable()
export class AuditQueryRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Newest first (seq descending), at most `limit` events. */
  async list(filter: AuditEventFilter, limit: number): Promise<StoredAuditEvent[]> {
    const conditions = conditionsOf(filter);
    const where = conditions.length === 0 ? Prisma.empty : Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}`;
    const rows = await this.prisma.$queryRaw<ReviewedRow[]>`
      SELECT ${EVENT_COLUMNS}, ${REVIEW_COLUMNS}
      FROM audit_events e LEFT JOIN audit_reviews r ON r.event_id = e.id
      ${where}
      ORDER BY e.seq DESC
      LIMIT ${limit}`;
    return rows.map(toStoredEvent);
  }

  /** Null for an unknown id, and for anything that is not a UUID (no such event can exist). */
  async findById(id: string): Promise<StoredAuditEvent | null> {
    if (!UUID.test(id)) return null;
    const rows = await this.prisma.$queryRaw<ReviewedRow[]>`
      SELECT ${EVENT_COLUMNS}, ${REVIEW_COLUMNS}
      FROM audit_events e LEFT JOIN audit_reviews r ON r.event_id = e.id
      WHERE e.id = ${id}::uuid`;
    return rows.length === 0 ? null : toStoredEvent(rows[0]);
  }

  /** Up to `limit` events with seq in (afterSeq, untilSeq], in seq order: one page of a chain walk. */
  async chainPage(afterSeq: bigint, limit: number, untilSeq: bigint | null = null): Promise<ChainedAuditEvent[]> {
    const until = untilSeq === null ? Prisma.empty : Prisma.sql`AND e.seq <= ${untilSeq.toString()}::bigint`;
    const rows = await this.prisma.$queryRaw<EventRow[]>`
      SELECT ${EVENT_COLUMNS} FROM audit_events e
      WHERE e.seq > ${afterSeq.toString()}::bigint ${until}
      ORDER BY e.seq
      LIMIT ${limit}`;
    return rows.map(toChainedEvent);
  }

  /** The first and last seq of the events recorded in [from, to); null when there are none. */
  async seqRange(from: Date | undefined, to: Date | undefined): Promise<{ first: bigint; last: bigint } | null> {
    const conditions = conditionsOf({ from, to });
    const where = conditions.length === 0 ? Prisma.empty : Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}`;
    const rows = await this.prisma.$queryRaw<{ first: bigint | null; last: bigint | null }[]>`
      SELECT min(e.seq) AS first, max(e.seq) AS last FROM audit_events e ${where}`;
    const { first, last } = rows[0];
    return first === null || last === null ? null : { first: BigInt(first), last: BigInt(last) };
  }
}

function conditionsOf(filter: AuditEventFilter): Prisma.Sql[] {
  const conditions: Prisma.Sql[] = [];
  if (filter.actor !== undefined) conditions.push(Prisma.sql`e.actor_sub = ${filter.actor}`);
  if (filter.action !== undefined) conditions.push(Prisma.sql`e.action = ${filter.action}`);
  if (filter.purpose !== undefined) conditions.push(Prisma.sql`e.purpose = ${filter.purpose}`);
  // Literal predicates, so the planner can use the partial index on break-glass events.
  if (filter.breakGlass !== undefined) conditions.push(filter.breakGlass ? Prisma.sql`e.break_glass` : Prisma.sql`NOT e.break_glass`);
  if (filter.review === 'pending') conditions.push(Prisma.sql`e.break_glass AND r.event_id IS NULL`);
  else if (filter.review !== undefined) conditions.push(Prisma.sql`r.status = ${filter.review}`);
  if (filter.tokenKey !== undefined) conditions.push(Prisma.sql`e.token_keys @> ARRAY[${filter.tokenKey}]::text[]`);
  if (filter.from !== undefined) conditions.push(Prisma.sql`e.at >= ${filter.from.toISOString()}::timestamptz`);
  if (filter.to !== undefined) conditions.push(Prisma.sql`e.at < ${filter.to.toISOString()}::timestamptz`);
  if (filter.beforeSeq !== undefined) conditions.push(Prisma.sql`e.seq < ${filter.beforeSeq.toString()}::bigint`);
  return conditions;
}

function toChainedEvent(row: EventRow): ChainedAuditEvent {
  return {
    id: row.id,
    seq: BigInt(row.seq),
    at: row.at,
    actor: { sub: row.actor_sub, roles: row.actor_roles ?? [], clientId: row.actor_client_id },
    action: row.action,
    purpose: row.purpose,
    justification: row.justification,
    breakGlass: row.break_glass,
    tokens: row.tokens ?? [],
    tokenKeys: row.token_keys ?? [],
    outcome: row.outcome as AuditOutcome,
    details: row.details,
    prevHash: Buffer.from(row.prev_hash),
    hash: Buffer.from(row.hash),
  };
}

function toStoredEvent(row: ReviewedRow): StoredAuditEvent {
  const review: AuditReview | null =
    row.review_status === null
      ? null
      : { status: row.review_status, reviewer: row.review_reviewer as string, note: row.review_note as string, at: row.review_at as Date };
  // Added to the fresh event, not spread into a new literal (which makes a new hidden class per row on Node 20's V8).
  return Object.assign(toChainedEvent(row), { review });
}
