import { Injectable } from '@nestjs/common';
import type { TokenType } from '../formats/format.js';
import type { PrismaTransaction } from '../prisma/prisma.service.js';

/** A live row about to be erased: what its audit event and the cache need, never its ciphertext. */
export interface ErasableToken {
  readonly tokenKey: string;
  readonly type: TokenType;
  /** The canonical token (a token, never a value). */
  readonly token: string;
  /** Null for random-mode tokens. Erasure drops it; the cache forgets lookups by it. */
  readonly fingerprint: Buffer | null;
  readonly patientRef: string | null;
}

interface ErasableRow {
  token_key: string;
  type: string;
  token: string;
  fingerprint: Uint8Array | null;
  patient_ref: string | null;
}

/**
 * The erasure side of the `tokens` table. Every method takes the caller's transaction: rows are locked,
 * erased and audited in one, so an erasure is never committed without its audit event (or the reverse).
 * Live means `erased_at IS NULL`; expired rows are still live here (their ciphertext exists until erased).
 */
@Injectable()
export class ErasureRepository {
  /** Locks the live row of this token key, waiting for any transaction that holds it (a re-encryption batch). */
  async lockLive(tx: PrismaTransaction, tokenKey: string): Promise<ErasableToken | null> {
    const rows = await tx.$queryRaw<ErasableRow[]>`
      SELECT token_key, type, token, fingerprint, patient_ref FROM tokens
      WHERE token_key = ${tokenKey} AND erased_at IS NULL
      FOR UPDATE`;
    return rows.length === 0 ? null : toErasable(rows[0]);
  }

  /**
   * Locks up to `limit` live rows of one patient, in token-key order. It waits for rows other transactions
   * hold rather than skip them: a row skipped here would survive the patient's erasure. A row erased by the
   * holder meanwhile is re-checked after the wait and left out.
   */
  async lockLiveOfPatient(tx: PrismaTransaction, patientRef: string, limit: number): Promise<ErasableToken[]> {
    const rows = await tx.$queryRaw<ErasableRow[]>`
      SELECT token_key, type, token, fingerprint, patient_ref FROM tokens
      WHERE patient_ref = ${patientRef} AND erased_at IS NULL
      ORDER BY token_key
      LIMIT ${limit}
      FOR UPDATE`;
    return rows.map(toErasable);
  }

  /**
   * Claims up to `limit` live rows whose expiry has passed by the database's clock (one clock for every
   * instance). Rows another instance holds are skipped, not waited for, so instances purging at once share
   * the work and never erase a row twice.
   */
  async claimExpired(tx: PrismaTransaction, limit: number): Promise<ErasableToken[]> {
    const rows = await tx.$queryRaw<ErasableRow[]>`
      SELECT token_key, type, token, fingerprint, patient_ref FROM tokens
      WHERE expires_at <= now() AND erased_at IS NULL
      ORDER BY expires_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED`;
    return rows.map(toErasable);
  }

  /**
   * Turns locked rows into tombstones: ciphertext, fingerprint, patient reference and tags are gone; the
   * token key (so the token is never issued again), type, token and erased_at stay. A CHECK constraint
   * (migration 20261201110000) holds every erased row to this. Answers the number of rows erased.
   */
  async erase(tx: PrismaTransaction, tokenKeys: readonly string[]): Promise<number> {
    if (tokenKeys.length === 0) return 0;
    return tx.$executeRaw`
      UPDATE tokens
      SET ciphertext = NULL, fingerprint = NULL, patient_ref = NULL, tags = ARRAY[]::text[], erased_at = clock_timestamp()
      WHERE token_key = ANY(${[...tokenKeys]}::text[]) AND erased_at IS NULL`;
  }
}

function toErasable(row: ErasableRow): ErasableToken {
  return {
    tokenKey: row.token_key,
    type: row.type as TokenType,
    token: row.token,
    fingerprint: row.fingerprint === null ? null : Buffer.from(row.fingerprint),
    patientRef: row.patient_ref,
  };
}
