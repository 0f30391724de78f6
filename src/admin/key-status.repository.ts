import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma/prisma.service.js';

export interface KeyVersionStatus {
  readonly version: number;
  readonly createdAt: string;
  readonly activatesAt: string;
  readonly retiredAt: string | null;
  /** Rows whose ciphertext is under this version (erased rows hold none). */
  readonly rows: number;
}

export interface KeyStatus {
  /** The version new writes use: the highest active, non-retired one. */
  readonly current: number;
  readonly versions: readonly KeyVersionStatus[];
}

/** Data-key versions and how many stored values each still protects. Metadata only: no key, no value. */
@Injectable()
export class KeyStatusRepository {
  constructor(private readonly prisma: PrismaService) {}

  async read(): Promise<KeyStatus> {
    const rows = await this.prisma.$queryRaw<{ version: number; created_at: Date; activates_at: Date; retired_at: Date | null; active: boolean; rows: bigint }[]>`
      SELECT k.version, k.created_at, k.activates_at, k.retired_at, k.activates_at <= clock_timestamp() AS active,
             (SELECT count(*) FROM tokens t WHERE t.key_version = k.version AND t.ciphertext IS NOT NULL) AS rows
      FROM wrapped_keys k WHERE k.purpose = 'data' ORDER BY k.version`;
    const current = Math.max(0, ...rows.filter((row) => row.active && row.retired_at === null).map((row) => row.version));
    return {
      current,
      versions: rows.map((row) => ({
        version: row.version,
        createdAt: row.created_at.toISOString(),
        activatesAt: row.activates_at.toISOString(),
        retiredAt: row.retired_at?.toISOString() ?? null,
        rows: Number(row.rows),
      })),
    };
  }
}
