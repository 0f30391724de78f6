import { Injectable } from '@nestjs/common';
import { PrismaService, type PrismaTransaction } from '../prisma/prisma.service.js';

export type JobState = 'running' | 'done' | 'failed';

export interface ReencryptJob {
  readonly id: string;
  readonly kind: 'reencrypt';
  readonly state: JobState;
  /** Rows on a data-key version below this one are rewritten (under the current version, this one or later). */
  readonly targetVersion: number;
  readonly done: number;
  readonly total: number;
  readonly error: string | null;
  readonly createdAt: Date;
  readonly finishedAt: Date | null;
}

interface JobRow {
  id: string;
  kind: string;
  state: string;
  target_version: number;
  done: bigint;
  total: bigint;
  error: string | null;
  created_at: Date;
  finished_at: Date | null;
}

/** The `jobs` table. Progress (`done`) only ever moves in the transaction that rewrote the rows it counts. */
@Injectable()
export class JobsRepository {
  constructor(private readonly prisma: PrismaService) {}

  async find(id: string): Promise<ReencryptJob | null> {
    const rows = await this.prisma.$queryRaw<JobRow[]>`SELECT * FROM jobs WHERE id = ${id}::uuid AND kind = 'reencrypt'`;
    return rows.length === 0 ? null : toJob(rows[0]);
  }

  async running(): Promise<ReencryptJob[]> {
    const rows = await this.prisma.$queryRaw<JobRow[]>`
      SELECT * FROM jobs WHERE state = 'running' AND kind = 'reencrypt' ORDER BY created_at`;
    return rows.map(toJob);
  }

  /** A running re-encryption that already covers `targetVersion` (its own target is that or later). */
  async runningCovering(tx: PrismaTransaction, targetVersion: number): Promise<ReencryptJob | null> {
    const rows = await tx.$queryRaw<JobRow[]>`
      SELECT * FROM jobs WHERE state = 'running' AND kind = 'reencrypt' AND target_version >= ${targetVersion}
      ORDER BY target_version DESC LIMIT 1`;
    return rows.length === 0 ? null : toJob(rows[0]);
  }

  /**
   * Starts a job whose total is the rows with a ciphertext below `targetVersion` now. Returns null when
   * another instance started one for the same target at the same moment (the partial unique index).
   */
  async insertReencrypt(tx: PrismaTransaction, id: string, targetVersion: number, createdBy: string): Promise<ReencryptJob | null> {
    const rows = await tx.$queryRaw<JobRow[]>`
      INSERT INTO jobs (id, kind, state, target_version, total, created_by)
      SELECT ${id}::uuid, 'reencrypt', 'running', ${targetVersion},
             (SELECT count(*) FROM tokens WHERE key_version < ${targetVersion} AND ciphertext IS NOT NULL), ${createdBy}
      ON CONFLICT (kind, target_version) WHERE state = 'running' DO NOTHING
      RETURNING *`;
    return rows.length === 0 ? null : toJob(rows[0]);
  }

  /** Locks up to `limit` rows still below the target; rows another instance holds are skipped, not waited for. */
  async claimRows(tx: PrismaTransaction, targetVersion: number, limit: number): Promise<{ tokenKey: string; type: string; ciphertext: Buffer; keyVersion: number }[]> {
    const rows = await tx.$queryRaw<{ token_key: string; type: string; ciphertext: Uint8Array; key_version: number }[]>`
      SELECT token_key, type, ciphertext, key_version FROM tokens
      WHERE key_version < ${targetVersion} AND ciphertext IS NOT NULL
      LIMIT ${limit} FOR UPDATE SKIP LOCKED`;
    return rows.map((row) => ({ tokenKey: row.token_key, type: row.type, ciphertext: Buffer.from(row.ciphertext), keyVersion: row.key_version }));
  }

  /** Stores re-sealed ciphertexts with their version (together: a row's key_version always names its ciphertext's key). */
  async rewriteRows(tx: PrismaTransaction, rows: readonly { tokenKey: string; ciphertext: Buffer; keyVersion: number; previousVersion: number }[]): Promise<number> {
    const json = rows.map((row) => ({ token_key: row.tokenKey, ciphertext: row.ciphertext.toString('base64'), key_version: row.keyVersion, previous: row.previousVersion }));
    return tx.$executeRaw`
      UPDATE tokens AS t SET ciphertext = decode(r.ciphertext, 'base64'), key_version = r.key_version
      FROM jsonb_to_recordset(${JSON.stringify(json)}::jsonb) AS r(token_key text, ciphertext text, key_version int, previous int)
      WHERE t.token_key = r.token_key AND t.key_version = r.previous AND t.ciphertext IS NOT NULL`;
  }

  async addProgress(tx: PrismaTransaction, id: string, rows: number): Promise<void> {
    await tx.$executeRaw`UPDATE jobs SET done = done + ${rows}, updated_at = clock_timestamp() WHERE id = ${id}::uuid`;
  }

  /**
   * The final step, in one transaction. A SHARE lock on tokens waits for every write in flight and holds off
   * new ones while it counts, so "no row below the target" is true when it is checked and stays true when
   * the versions are retired (a later write under a retired version is refused by a trigger). Then the job is
   * done (total = done: rows erased or written meanwhile are reconciled) and every version below the target
   * is retired. `remaining` > 0: rows are still to do (held by another instance, or written meanwhile).
   */
  async finish(id: string, targetVersion: number): Promise<{ remaining: number } | { job: ReencryptJob | null; retired: number[] }> {
    return this.prisma.$transaction(
      async (tx) => {
        await tx.$executeRaw`SET LOCAL lock_timeout = '5s'`;
        await tx.$executeRaw`LOCK TABLE tokens IN SHARE MODE`;
        const [{ remaining }] = await tx.$queryRaw<{ remaining: bigint }[]>`
          SELECT count(*) AS remaining FROM tokens WHERE key_version < ${targetVersion} AND ciphertext IS NOT NULL`;
        if (remaining > 0n) return { remaining: Number(remaining) };
        const rows = await tx.$queryRaw<JobRow[]>`
          UPDATE jobs SET state = 'done', total = done, finished_at = clock_timestamp(), updated_at = clock_timestamp()
          WHERE id = ${id}::uuid AND state = 'running' RETURNING *`;
        if (rows.length === 0) return { job: null, retired: [] };
        const retired = await tx.$queryRaw<{ version: number }[]>`
          UPDATE wrapped_keys SET retired_at = clock_timestamp()
          WHERE purpose = 'data' AND version < ${targetVersion} AND retired_at IS NULL RETURNING version`;
        return { job: toJob(rows[0]), retired: retired.map((row) => row.version).sort((a, b) => a - b) };
      },
      { timeout: 20_000 },
    );
  }

  async markFailed(id: string, error: string): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE jobs SET state = 'failed', error = ${error}, finished_at = clock_timestamp(), updated_at = clock_timestamp()
      WHERE id = ${id}::uuid AND state = 'running'`;
  }
}

function toJob(row: JobRow): ReencryptJob {
  return {
    id: row.id,
    kind: 'reencrypt',
    state: row.state as JobState,
    targetVersion: row.target_version,
    done: Number(row.done),
    total: Number(row.total),
    error: row.error,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}
