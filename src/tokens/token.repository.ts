import { Injectable } from '@nestjs/common';
import { TokenCache } from '../cache/token-cache.js';
import type { TokenType } from '../formats/format.js';
import { PrismaService, type PrismaTransaction } from '../prisma/prisma.service.js';

/** A stored token as the services see it. `ciphertext` is null once erased. */
export interface TokenRecord {
  readonly tokenKey: string;
  readonly type: TokenType;
  readonly token: string;
  readonly ciphertext: Buffer | null;
  readonly keyVersion: number;
  readonly patientRef: string | null;
  readonly tags: readonly string[];
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
  readonly erasedAt: Date | null;
  /** The deterministic-mode fingerprint (a keyed HMAC of the value); null for random-mode tokens and once erased. */
  readonly fingerprint: Buffer | null;
}

export interface NewTokenRecord {
  readonly tokenKey: string;
  readonly type: TokenType;
  readonly token: string;
  readonly fingerprint: Buffer | null;
  readonly ciphertext: Buffer;
  readonly keyVersion: number;
  readonly patientRef: string | null;
  readonly tags: readonly string[];
  /** After this instant the token no longer detokenizes, and the purge job erases it; null: kept until erased. */
  readonly expiresAt: Date | null;
}

/**
 * The stored record of a token just inserted. Built field by field, not as `{ ...draft, createdAt, erasedAt }`: on
 * Node 20's V8 such a literal makes a new hidden class on every call, and this runs for every new token.
 */
export function insertedRecord(draft: NewTokenRecord, createdAt: Date): TokenRecord {
  const { tokenKey, type, token, fingerprint, ciphertext, keyVersion, patientRef, tags, expiresAt } = draft;
  return { tokenKey, type, token, fingerprint, ciphertext, keyVersion, patientRef, tags, expiresAt, createdAt, erasedAt: null };
}

interface TokenRow {
  token_key: string;
  type: string;
  token: string;
  fingerprint: Uint8Array | null;
  ciphertext: Uint8Array | null;
  key_version: number;
  patient_ref: string | null;
  tags: string[];
  created_at: Date;
  expires_at: Date | null;
  erased_at: Date | null;
}

type Queryable = PrismaService | PrismaTransaction;

/**
 * The `tokens` table, and the token cache in front of it (records are cached as stored: ciphertext, never
 * plaintext). Lookups by token key (detokenize, metadata) read through the cache. Lookups by fingerprint run
 * inside the writing transaction and always see the database, because a transaction deciding what to write
 * must not act on a cached copy; the writer consults the cache before it (findCachedByFingerprints).
 */
@Injectable()
export class TokenRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly cache: TokenCache,
  ) {}

  async findByKeys(tokenKeys: readonly string[]): Promise<TokenRecord[]> {
    if (tokenKeys.length === 0) return [];
    const cached = await this.cache.records(tokenKeys);
    const missing = tokenKeys.filter((key) => !cached.has(key));
    const loaded = await this.selectByKeys(missing, this.prisma);
    await this.cache.remember(loaded);
    return [...cached.values(), ...loaded];
  }

  /** Reads the rows from the database, dropping whatever the cache holds for them (a copy found stale). */
  async reloadByKeys(tokenKeys: readonly string[]): Promise<TokenRecord[]> {
    await this.cache.forget(tokenKeys);
    return this.selectByKeys(tokenKeys, this.prisma);
  }

  /** Deterministic-mode lookups in the database, inside the writing transaction; keyed by the fingerprint's hex. */
  async findByFingerprints(fingerprints: readonly Buffer[], tx: PrismaTransaction): Promise<Map<string, TokenRecord>> {
    if (fingerprints.length === 0) return new Map();
    return this.selectByFingerprints(
      fingerprints.map((fingerprint) => fingerprint.toString('hex')),
      tx,
    );
  }

  /**
   * Deterministic-mode lookups in the cache only (keyed by fingerprint hex): the tokenize path looks up the
   * rest inside its transaction, one statement for every call sharing it.
   */
  async findCachedByFingerprints(fingerprints: readonly Buffer[]): Promise<Map<string, TokenRecord>> {
    return fingerprints.length === 0 ? new Map() : this.cachedByFingerprints(fingerprints.map((fingerprint) => fingerprint.toString('hex')));
  }

  /** Caches rows read inside a transaction, once it has committed. */
  async remember(records: readonly TokenRecord[]): Promise<void> {
    await this.cache.remember(records);
  }

  /** A cached pointer counts only if the cached record it names still carries that fingerprint. */
  private async cachedByFingerprints(hex: readonly string[]): Promise<Map<string, TokenRecord>> {
    const pointers = await this.cache.tokenKeysOf(hex);
    if (pointers.size === 0) return new Map();
    const records = await this.cache.records([...new Set(pointers.values())]);
    const found = new Map<string, TokenRecord>();
    for (const [h, tokenKey] of pointers) {
      const record = records.get(tokenKey);
      if (record?.fingerprint?.toString('hex') === h) found.set(h, record);
    }
    return found;
  }

  private async selectByKeys(tokenKeys: readonly string[], db: Queryable): Promise<TokenRecord[]> {
    if (tokenKeys.length === 0) return [];
    const rows = await db.$queryRaw<TokenRow[]>`SELECT * FROM tokens WHERE token_key = ANY(${[...tokenKeys]}::text[])`;
    return rows.map(toRecord);
  }

  private async selectByFingerprints(hex: readonly string[], db: Queryable): Promise<Map<string, TokenRecord>> {
    if (hex.length === 0) return new Map();
    const rows = await db.$queryRaw<TokenRow[]>`
      SELECT * FROM tokens WHERE fingerprint = ANY(ARRAY(SELECT decode(h, 'hex') FROM unnest(${[...hex]}::text[]) AS h))`;
    return new Map(rows.map((row) => [Buffer.from(row.fingerprint as Uint8Array).toString('hex'), toRecord(row)]));
  }

  /**
   * Inserts in one statement, skipping any row whose token key or fingerprint is taken (a collision, or a
   * concurrent request that stored the same value first). Answers the token keys inserted, with their created_at. Rows are
   * inserted in fingerprint order so concurrent batches take index locks in the same order.
   */
  async insertNew(tx: PrismaTransaction, records: readonly NewTokenRecord[]): Promise<Map<string, Date>> {
    if (records.length === 0) return new Map();
    const rows = records
      .map((record) => ({
        token_key: record.tokenKey,
        type: record.type,
        token: record.token,
        fingerprint: record.fingerprint?.toString('hex') ?? null,
        ciphertext: record.ciphertext.toString('base64'),
        key_version: record.keyVersion,
        patient_ref: record.patientRef,
        tags: record.tags,
        expires_at: record.expiresAt?.toISOString() ?? null,
      }))
      .sort((a, b) => ((a.fingerprint ?? a.token_key) < (b.fingerprint ?? b.token_key) ? -1 : 1));
    const inserted = await tx.$queryRaw<{ token_key: string; created_at: Date }[]>`
      INSERT INTO tokens (token_key, type, token, fingerprint, ciphertext, key_version, patient_ref, tags, expires_at)
      SELECT r.token_key, r.type, r.token, decode(r.fingerprint, 'hex'), decode(r.ciphertext, 'base64'), r.key_version,
             r.patient_ref, COALESCE(r.tags, ARRAY[]::text[]), r.expires_at
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(
        token_key text, type text, token text, fingerprint text, ciphertext text, key_version int, patient_ref text, tags text[],
        expires_at timestamptz)
      ON CONFLICT DO NOTHING
      RETURNING token_key, created_at`;
    return new Map(inserted.map((row) => [row.token_key, row.created_at]));
  }

  /**
   * Deterministic re-tokenization may add metadata to an existing token: tags only ever grow (a value once
   * tagged `restricted` stays restricted), a missing patientRef is filled in, never replaced, and the expiry
   * only ever extends (null, never, wins). Answers the token keys actually updated: a row erased meanwhile (by
   * a request or the purge of expired tokens) is not, and its value needs a new token.
   */
  async growMetadata(tx: PrismaTransaction, updates: readonly MetadataGrowth[]): Promise<Set<string>> {
    if (updates.length === 0) return new Set();
    // Before the change commits, so no instance can serve (or re-cache) the record without its new tags.
    await this.cache.forget(updates.map((update) => update.tokenKey));
    const rows = updates.map((u) => ({ token_key: u.tokenKey, patient_ref: u.patientRef, tags: u.tags, expires_at: u.expiresAt?.toISOString() ?? null }));
    const updated = await tx.$queryRaw<{ token_key: string }[]>`
      UPDATE tokens AS t
      SET tags = ARRAY(SELECT DISTINCT unnest(t.tags || r.tags) ORDER BY 1),
          patient_ref = COALESCE(t.patient_ref, r.patient_ref),
          expires_at = CASE WHEN t.expires_at IS NULL OR r.expires_at IS NULL THEN NULL ELSE GREATEST(t.expires_at, r.expires_at) END
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(token_key text, patient_ref text, tags text[], expires_at timestamptz)
      WHERE t.token_key = r.token_key AND t.erased_at IS NULL
      RETURNING t.token_key`;
    return new Set(updated.map((row) => row.token_key));
  }
}

/** What a deterministic re-tokenization adds to an existing row (one entry per token key). */
export interface MetadataGrowth {
  readonly tokenKey: string;
  readonly patientRef: string | null;
  readonly tags: readonly string[];
  readonly expiresAt: Date | null;
}

function toRecord(row: TokenRow): TokenRecord {
  return {
    tokenKey: row.token_key,
    type: row.type as TokenType,
    token: row.token,
    ciphertext: row.ciphertext === null ? null : Buffer.from(row.ciphertext),
    keyVersion: row.key_version,
    patientRef: row.patient_ref,
    tags: row.tags ?? [],
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    erasedAt: row.erased_at,
    fingerprint: row.fingerprint === null ? null : Buffer.from(row.fingerprint),
  };
}
