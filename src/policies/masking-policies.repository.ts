import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma/prisma.service.js';
import { sqlStateOf } from '../prisma/transaction-retry.js';
import type { PolicyDocument } from './policy-document.js';

export interface StoredPolicyRow {
  readonly name: string;
  readonly version: number;
  readonly document: PolicyDocument;
  readonly createdAt: Date;
  readonly createdBy: string;
}

interface PolicyRow {
  name: string;
  version: number;
  document: PolicyDocument;
  created_at: Date;
  created_by: string;
}

const UNIQUE_VIOLATION = '23505';
const INSERT_ATTEMPTS = 5;

/** Masking policy versions. Rows are immutable; deletion marks a whole name deleted (version numbers are never reused). */
@Injectable()
export class MaskingPoliciesRepository {
  constructor(private readonly prisma: PrismaService) {}

  async find(name: string, version: number | null): Promise<StoredPolicyRow | null> {
    const rows =
      version === null
        ? await this.prisma.$queryRaw<PolicyRow[]>`
            SELECT name, version, document, created_at, created_by FROM masking_policies
            WHERE name = ${name} AND deleted_at IS NULL ORDER BY version DESC LIMIT 1`
        : await this.prisma.$queryRaw<PolicyRow[]>`
            SELECT name, version, document, created_at, created_by FROM masking_policies
            WHERE name = ${name} AND version = ${version} AND deleted_at IS NULL`;
    return rows.length === 0 ? null : toStored(rows[0]);
  }

  /** The latest version of every policy not deleted, by name. */
  async listLatest(): Promise<StoredPolicyRow[]> {
    const rows = await this.prisma.$queryRaw<PolicyRow[]>`
      SELECT DISTINCT ON (name) name, version, document, created_at, created_by FROM masking_policies
      WHERE deleted_at IS NULL ORDER BY name, version DESC`;
    return rows.map(toStored);
  }

  /** Stores the next version of `name` (one more than any version ever stored, deleted ones included). */
  async insertNextVersion(name: string, document: PolicyDocument, createdBy: string): Promise<StoredPolicyRow> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const rows = await this.prisma.$queryRaw<PolicyRow[]>`
          INSERT INTO masking_policies (name, version, document, created_by)
          SELECT ${name}, COALESCE(MAX(version), 0) + 1, ${JSON.stringify(document)}::jsonb, ${createdBy}
          FROM masking_policies WHERE name = ${name}
          RETURNING name, version, document, created_at, created_by`;
        return toStored(rows[0]);
      } catch (error) {
        // Two saves of one name raced for the same version number: the loser takes the next one.
        if (attempt >= INSERT_ATTEMPTS || sqlStateOf(error) !== UNIQUE_VIOLATION) throw error;
      }
    }
  }

  /** Undoes a save whose audit event could not be written (the version was never announced). */
  async removeVersion(name: string, version: number): Promise<void> {
    await this.prisma.$executeRaw`DELETE FROM masking_policies WHERE name = ${name} AND version = ${version}`;
  }

  /** Marks every version of `name` deleted; answers the deletion's time, or null when no version was live. */
  async markDeleted(name: string): Promise<Date | null> {
    const rows = await this.prisma.$queryRaw<{ deleted_at: Date }[]>`
      UPDATE masking_policies SET deleted_at = now() WHERE name = ${name} AND deleted_at IS NULL RETURNING deleted_at`;
    return rows[0]?.deleted_at ?? null;
  }

  /** Undoes a deletion (identified by its time) whose audit event could not be written. */
  async restore(name: string, deletedAt: Date): Promise<void> {
    await this.prisma.$executeRaw`UPDATE masking_policies SET deleted_at = NULL WHERE name = ${name} AND deleted_at = ${deletedAt}`;
  }
}

function toStored(row: PolicyRow): StoredPolicyRow {
  return { name: row.name, version: Number(row.version), document: row.document, createdAt: row.created_at, createdBy: row.created_by };
}
