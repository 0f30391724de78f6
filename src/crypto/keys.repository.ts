import { Injectable } from '@nestjs/common';
import { PrismaService, type PrismaTransaction } from '../prisma/prisma.service.js';
import type { WrappedKeyPurpose } from './envelope.js';

export interface StoredWrappedKey {
  readonly purpose: WrappedKeyPurpose;
  readonly version: number;
  readonly wrapped: Buffer;
  readonly kekId: string;
  readonly retiredAt: Date | null;
  readonly activatesAt: Date;
}

/** Every stored key, and the database's clock when they were read (activation and retirement use that clock only). */
export interface WrappedKeySnapshot {
  readonly keys: readonly StoredWrappedKey[];
  readonly databaseNow: Date;
}

export type NewWrappedKey = Pick<StoredWrappedKey, 'purpose' | 'version' | 'wrapped' | 'kekId'>;

/** A key a master-key rotation re-wrapped: which one, never its bytes. */
export type RewrappedKey = Pick<StoredWrappedKey, 'purpose' | 'version'>;

interface WrappedKeyRow {
  purpose: string;
  version: number;
  wrapped: Uint8Array;
  kek_id: string;
  retired_at: Date | null;
  activates_at: Date;
  database_now: Date;
}

/** The `wrapped_keys` table. Holds wrapped keys only; nothing here ever sees an unwrapped key. */
@Injectable()
export class KeysRepository {
  constructor(private readonly prisma: PrismaService) {}

  async snapshot(): Promise<WrappedKeySnapshot> {
    // One statement, so the clock reading belongs to the rows (a right join keeps the clock when the table is empty).
    const rows = await this.prisma.$queryRaw<WrappedKeyRow[]>`
      SELECT k.purpose, k.version, k.wrapped, k.kek_id, k.retired_at, k.activates_at, clock.database_now
      FROM wrapped_keys AS k RIGHT JOIN (SELECT clock_timestamp() AS database_now) AS clock ON true
      ORDER BY k.purpose, k.version`;
    return {
      databaseNow: rows[0].database_now,
      keys: rows.filter((row) => row.purpose !== null).map(toStoredKey),
    };
  }

  /** Inserts keys unless their (purpose, version) exists: the first instance to start wins, the rest reload. */
  async insertIfAbsent(keys: readonly NewWrappedKey[]): Promise<void> {
    await this.prisma.wrappedKey.createMany({
      data: keys.map((key) => ({ purpose: key.purpose, version: key.version, wrapped: new Uint8Array(key.wrapped), kekId: key.kekId })),
      skipDuplicates: true,
    });
  }

  /**
   * Stores the next data-key version (one above every version ever stored, retired ones included: a version
   * number is never reused), active `activationDelayMs` after now by the database's clock. `wrap` receives
   * the version, which the wrapping binds. Concurrent rotations serialize on the table lock and get
   * consecutive versions.
   */
  async insertNextDataKey(
    tx: PrismaTransaction,
    kekId: string,
    activationDelayMs: number,
    wrap: (version: number) => Buffer,
  ): Promise<{ version: number; activatesAt: Date; databaseNow: Date }> {
    await tx.$executeRaw`LOCK TABLE wrapped_keys IN SHARE ROW EXCLUSIVE MODE`;
    const [{ next }] = await tx.$queryRaw<{ next: number }[]>`
      SELECT COALESCE(max(version), 0) + 1 AS next FROM wrapped_keys WHERE purpose = 'data'`;
    const version = Number(next);
    const [row] = await tx.$queryRaw<{ activates_at: Date; database_now: Date }[]>`
      INSERT INTO wrapped_keys (purpose, version, wrapped, kek_id, activates_at)
      VALUES ('data', ${version}, ${new Uint8Array(wrap(version))}, ${kekId},
              clock_timestamp() + make_interval(secs => ${activationDelayMs / 1000}))
      RETURNING activates_at, clock_timestamp() AS database_now`;
    return { version, activatesAt: row.activates_at, databaseNow: row.database_now };
  }

  /**
   * Master-key rotation: every key wrapped under `fromKekId` is re-wrapped (by `rewrap`, which unwraps with the
   * previous KEK and wraps with the current one) and filed under `toKekId`, all in one transaction, which
   * `recordRewrap` joins (the audit event: the keys change only if it is recorded). Rows are locked first, so
   * instances starting together re-wrap each key once; an instance finding nothing left records nothing.
   * Returns which keys changed (purpose and version only).
   */
  async rewrapAll(
    fromKekId: string,
    toKekId: string,
    rewrap: (key: StoredWrappedKey) => Buffer,
    recordRewrap: (tx: PrismaTransaction, rewrapped: readonly RewrappedKey[]) => Promise<void>,
  ): Promise<RewrappedKey[]> {
    return this.prisma.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<WrappedKeyRow[]>`
        SELECT purpose, version, wrapped, kek_id, retired_at, activates_at, clock_timestamp() AS database_now
        FROM wrapped_keys WHERE kek_id = ${fromKekId} ORDER BY purpose, version FOR UPDATE`;
      const rewrapped: RewrappedKey[] = [];
      for (const row of rows) {
        const key = toStoredKey(row);
        await tx.$executeRaw`
          UPDATE wrapped_keys SET wrapped = ${new Uint8Array(rewrap(key))}, kek_id = ${toKekId}
          WHERE purpose = ${key.purpose} AND version = ${key.version} AND kek_id = ${fromKekId}`;
        rewrapped.push({ purpose: key.purpose, version: key.version });
      }
      if (rewrapped.length > 0) await recordRewrap(tx, rewrapped);
      return rewrapped;
    });
  }
}

function toStoredKey(row: WrappedKeyRow): StoredWrappedKey {
  return {
    purpose: row.purpose as WrappedKeyPurpose,
    version: row.version,
    wrapped: Buffer.from(row.wrapped),
    kekId: row.kek_id,
    retiredAt: row.retired_at,
    activatesAt: row.activates_at,
  };
}
