import { Injectable } from '@nestjs/common';
import { actorOf, withCallerDetails } from '../audit/audit-actor.js';
import type { AuditEventDraft } from '../audit/audit-event.js';
import { auditUnavailable, AuditLog } from '../audit/audit-log.service.js';
import type { Principal } from '../auth/principal.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { VaultError } from '../common/errors/vault-error.js';
import { KeyringService } from '../crypto/keyring.service.js';
import { formatOf } from '../formats/registry.js';
import { tokenKey } from '../formats/token-key.js';
import { MetricsService } from '../health/metrics.service.js';
import { PrismaService, type PrismaTransaction } from '../prisma/prisma.service.js';
import { withTransactionRetry } from '../prisma/transaction-retry.js';
import type { TokenizeItem } from './dto/tokenize.dto.js';
import { insertedRecord, TokenRepository, type MetadataGrowth, type NewTokenRecord, type TokenRecord } from './token.repository.js';
import { growthOf, mergeSlot, type SlotPlan, type ValueSlot } from './value-slots.js';

/**
 * Draws per value before giving up. A draw collides with probability (share of the layout's space in use), so
 * 32 draws fail at 1 in 4 billion while half the space is free, and only fail often once it is nearly full.
 */
export const MAX_DRAWS = 32;

/**
 * The token cache serves transactions of up to this many values (single calls, and the small calls sharing
 * a transaction). Bulk ingestion goes to the database alone: its values are mostly new, so looking them up in
 * the cache and writing them through (each entry MAC'd) costs more than one indexed SELECT saves.
 */
export const CACHED_VALUES_MAX = 64;

/** A tokenize call ready to store: its values parsed and, in deterministic mode, fingerprinted. */
export interface PreparedCall {
  readonly mode: 'deterministic' | 'random';
  readonly items: readonly TokenizeItem[];
  readonly principal: Principal;
  readonly plan: SlotPlan;
}

/** Each item's token, in request order, rendered in the item's layout. */
export type StoredTokens = readonly string[];

/** A value this transaction resolves to a token: shared by every slot, of every call, holding the same value. */
interface Row {
  readonly slot: ValueSlot;
  found: TokenRecord | null;
  stored: { readonly tokenKey: string; readonly token: string } | null;
  /** The row this transaction inserted for it, as stored. */
  created: TokenRecord | null;
}

/**
 * Stores the values of one or several tokenize calls in ONE transaction: one multi-row insert, one metadata
 * update, and one audit statement carrying every call's own event (CONTRACT section 6: tokens, never values).
 * All or nothing: if anything fails nothing is stored, and no call learns a token that was not committed.
 * Equal deterministic values of different calls become one row, so concurrent callers get one token.
 */
@Injectable()
export class TokenWriter {
  constructor(
    private readonly prisma: PrismaService,
    private readonly keyring: KeyringService,
    private readonly tokens: TokenRepository,
    private readonly audit: AuditLog,
    private readonly metrics: MetricsService,
  ) {}

  async store(calls: readonly PreparedCall[]): Promise<StoredTokens[]> {
    const values = calls.reduce((sum, call) => sum + call.plan.slots.length, 0);
    const useCache = values <= CACHED_VALUES_MAX;
    // Known values first from the cache, one lookup for all the calls; the transaction reads what it lacks.
    const fingerprints = calls.flatMap((call) => call.plan.slots.flatMap((slot) => (slot.fingerprint === null ? [] : [slot.fingerprint])));
    const cached = useCache ? await this.tokens.findCachedByFingerprints(fingerprints) : new Map<string, TokenRecord>();
    const { stored, rows, loaded } = await withTransactionRetry(() => this.prisma.$transaction((tx) => this.storeWithin(tx, calls, cached)));
    const created = rows.flatMap((row) => (row.created === null ? [] : [row.created]));
    for (const record of created) this.metrics.tokensIssued.inc({ mode: record.fingerprint === null ? 'random' : 'deterministic' });
    // Committed: the next detokenize or re-tokenization of these is served from the cache.
    if (useCache) await this.tokens.remember([...loaded, ...created]);
    return stored;
  }

  private async storeWithin(
    tx: PrismaTransaction,
    calls: readonly PreparedCall[],
    cached: ReadonlyMap<string, TokenRecord>,
  ): Promise<{ stored: StoredTokens[]; rows: Row[]; loaded: TokenRecord[] }> {
    const { rows, rowsOfCall } = shareRows(calls, cached);
    const loaded = await this.lookUpUncached(tx, rows);
    await this.settleFound(tx, rows);
    let pending = rows.filter((row) => row.stored === null);
    for (let draw = 0; draw < MAX_DRAWS && pending.length > 0; draw += 1) pending = await this.insertDraws(tx, pending);
    if (pending.length > 0) {
      throw new VaultError(
        ErrorCode.TokenSpaceExhausted,
        `The ${pending[0].slot.type} token space for this layout is nearly exhausted: ${MAX_DRAWS} random draws all collided. Nothing was stored.`,
      );
    }
    const stored = calls.map((call, index) =>
      call.items.map((item, position) => formatOf(item.type).render((rowsOfCall[index][call.plan.slotOfItem[position]].stored as { token: string }).token, item.parsed.layout)),
    );
    try {
      await this.audit.appendWithin(
        tx,
        calls.map((call, index) => tokenizeEvent(call, stored[index], new Set(rowsOfCall[index]).size, new Set(rowsOfCall[index].filter((row) => row.created !== null)).size)),
      );
    } catch (error) {
      throw auditUnavailable(error);
    }
    return { stored, rows, loaded };
  }

  /** Deterministic values the cache did not know, looked up for every call of the transaction in one statement. */
  private async lookUpUncached(tx: PrismaTransaction, rows: readonly Row[]): Promise<TokenRecord[]> {
    const uncached = rows.filter((row) => row.found === null && row.slot.fingerprint !== null);
    const found = await this.tokens.findByFingerprints(
      uncached.map((row) => row.slot.fingerprint as Buffer),
      tx,
    );
    for (const row of uncached) row.found = found.get(row.slot.fingerprintHex as string) ?? null;
    return [...found.values()];
  }

  /**
   * Rows found before the transaction keep their token, growing their metadata where the call adds some. A row
   * whose growth finds it erased meanwhile (it was expired and the purge took it) needs a new token instead.
   */
  private async settleFound(tx: PrismaTransaction, rows: readonly Row[]): Promise<void> {
    const growths = new Map<Row, MetadataGrowth>();
    for (const row of rows) {
      const growth = row.found === null ? null : growthOf(row.found.tokenKey, row.found, row.slot);
      if (growth !== null) growths.set(row, growth);
    }
    const updated = await this.tokens.growMetadata(tx, [...growths.values()]);
    for (const row of rows) {
      if (row.found === null) continue;
      if (growths.has(row) && !updated.has(row.found.tokenKey)) row.found = null;
      else row.stored = row.found;
    }
  }

  /** One draw for every pending row; answers the rows whose token collided and must be drawn again. */
  private async insertDraws(tx: PrismaTransaction, pending: readonly Row[]): Promise<Row[]> {
    const drafts = pending.map((row) => this.draft(row.slot));
    const inserted = await this.tokens.insertNew(tx, drafts);
    const lost: Row[] = [];
    pending.forEach((row, index) => {
      const draft = drafts[index];
      const createdAt = inserted.get(draft.tokenKey);
      if (createdAt === undefined) return void lost.push(row);
      row.stored = draft;
      row.created = insertedRecord(draft, createdAt);
    });
    // A deterministic value that lost may have lost to a concurrent transaction storing the same value: its token.
    const winners = await this.tokens.findByFingerprints(
      lost.flatMap((row) => (row.slot.fingerprint === null ? [] : [row.slot.fingerprint])),
      tx,
    );
    const winnerRows = lost.filter((row) => row.slot.fingerprintHex !== null && winners.has(row.slot.fingerprintHex));
    for (const row of winnerRows) row.found = winners.get(row.slot.fingerprintHex as string) as TokenRecord;
    await this.settleFound(tx, winnerRows);
    return lost.filter((row) => row.stored === null);
  }

  private draft(slot: ValueSlot): NewTokenRecord {
    const format = formatOf(slot.type);
    const token = format.randomToken(slot.canonical);
    const key = tokenKey(format.render(token, slot.layout));
    return {
      tokenKey: key,
      type: slot.type,
      token,
      fingerprint: slot.fingerprint,
      ciphertext: this.keyring.encrypt(slot.canonical, { tokenKey: key, type: slot.type }),
      keyVersion: this.keyring.currentKeyVersion,
      patientRef: slot.patientRef,
      tags: slot.tags,
      expiresAt: slot.expiresAt,
    };
  }
}

/**
 * One Row per distinct value across the calls (a deterministic value by its fingerprint; every random slot
 * its own), with the metadata of every slot holding it merged in.
 */
function shareRows(calls: readonly PreparedCall[], cached: ReadonlyMap<string, TokenRecord>): { rows: Row[]; rowsOfCall: Row[][] } {
  const byFingerprint = new Map<string, Row>();
  const rows: Row[] = [];
  const rowsOfCall = calls.map((call) =>
    call.plan.slots.map((slot) => {
      const shared = slot.fingerprintHex === null ? undefined : byFingerprint.get(slot.fingerprintHex);
      if (shared !== undefined) {
        mergeSlot(shared.slot, slot);
        return shared;
      }
      const row: Row = { slot: { ...slot, tags: [...slot.tags] }, found: slot.fingerprintHex === null ? null : (cached.get(slot.fingerprintHex) ?? null), stored: null, created: null };
      if (slot.fingerprintHex !== null) byFingerprint.set(slot.fingerprintHex, row);
      rows.push(row);
      return row;
    }),
  );
  return { rows, rowsOfCall };
}

function tokenizeEvent(call: PreparedCall, rendered: StoredTokens, values: number, created: number): AuditEventDraft {
  return {
    actor: actorOf(call.principal),
    action: 'tokenize',
    purpose: null,
    justification: null,
    breakGlass: false,
    tokens: rendered,
    tokenKeys: [...new Set(rendered.map(tokenKey))],
    outcome: 'allowed',
    details: withCallerDetails(call.principal, { mode: call.mode, items: call.items.length, values, created }),
  };
}
