import { Injectable } from '@nestjs/common';
import { actorOf, withCallerDetails } from '../audit/audit-actor.js';
import { auditUnavailable, AuditLog } from '../audit/audit-log.service.js';
import type { Principal } from '../auth/principal.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { VaultError } from '../common/errors/vault-error.js';
import { KeyringService } from '../crypto/keyring.service.js';
import type { TokenType } from '../formats/format.js';
import { formatOf } from '../formats/registry.js';
import { tokenKey } from '../formats/token-key.js';
import { FpeService } from '../fpe/fpe.service.js';
import { PrismaService, type PrismaTransaction } from '../prisma/prisma.service.js';
import { withTransactionRetry } from '../prisma/transaction-retry.js';
import type { TokenizeItem, TokenizeRequest, TokenizeResponse } from './dto/tokenize.dto.js';
import { TokenRepository, type NewTokenRecord } from './token.repository.js';

/** Draws per value before giving up: (fill ratio)^10 stays tiny until a layout's space is nearly full. */
const MAX_DRAWS = 10;

/** One value to store: a distinct value (deterministic mode) or one item (random mode). */
interface ValueSlot {
  readonly type: TokenType;
  readonly canonical: string;
  readonly layout: unknown;
  readonly fingerprint: Buffer | null;
  patientRef: string | null;
  tags: string[];
  /** The latest expiry its items ask for; null (never expires) as soon as one item sets no ttl. */
  expiresAt: Date | null;
}

/** What a deterministic re-tokenization adds to an existing row: metadata and expiry only ever grow. */
interface MetadataGrowth {
  readonly tokenKey: string;
  readonly patientRef: string | null;
  readonly tags: readonly string[];
  readonly expiresAt: Date | null;
}

interface StoredToken {
  readonly tokenKey: string;
  readonly token: string;
}

@Injectable()
export class TokenizeService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly keyring: KeyringService,
    private readonly tokens: TokenRepository,
    private readonly audit: AuditLog,
    private readonly fpe: FpeService,
  ) {}

  /**
   * Stores every value (or finds it, in deterministic mode) and answers tokens in request order, each in
   * its item's layout. All-or-nothing: the new rows and the audit event commit in one transaction, so a
   * request that fails stores nothing.
   */
  async tokenize(request: TokenizeRequest, principal: Principal): Promise<TokenizeResponse> {
    // Vaultless FF1 tokens store nothing and share none of the steps below (CONTRACT section 10).
    if (request.mode === 'fpe') return this.fpe.tokenize(request, principal);
    const deterministic = request.mode === 'deterministic';
    const { slots, slotOfItem } = this.planSlots(request.items, deterministic, Date.now());
    const found = deterministic ? await this.tokens.findByFingerprints(slots.map((slot) => slot.fingerprint as Buffer)) : new Map();

    const stored = await withTransactionRetry(() =>
      this.prisma.$transaction(async (tx) => {
        const result = new Map<ValueSlot, StoredToken>();
        const metadataUpdates: MetadataGrowth[] = [];
        let pending: ValueSlot[] = [];
        for (const slot of slots) {
          const hit = slot.fingerprint === null ? undefined : found.get(slot.fingerprint.toString('hex'));
          if (hit === undefined) pending.push(slot);
          else {
            result.set(slot, hit);
            if (addsMetadata(hit, slot)) metadataUpdates.push(growthOf(hit.tokenKey, slot));
          }
        }
        for (let draw = 0; draw < MAX_DRAWS && pending.length > 0; draw += 1) {
          pending = await this.insertDraws(tx, pending, result, metadataUpdates);
        }
        if (pending.length > 0) {
          throw new VaultError(
            ErrorCode.TokenSpaceExhausted,
            `The ${pending[0].type} token space for this layout is nearly exhausted: ${MAX_DRAWS} random draws all collided. Nothing was stored.`,
          );
        }
        await this.tokens.growMetadata(tx, metadataUpdates);
        const rendered = request.items.map((item, index) => formatOf(item.type).render(result.get(slots[slotOfItem[index]])!.token, item.parsed.layout));
        try {
          await this.audit.appendWithin(tx, [
            {
              actor: actorOf(principal),
              action: 'tokenize',
              purpose: null,
              justification: null,
              breakGlass: false,
              tokens: rendered,
              tokenKeys: [...new Set(rendered.map(tokenKey))],
              outcome: 'allowed',
              details: withCallerDetails(principal, { mode: request.mode, items: request.items.length, created: slots.length - found.size }),
            },
          ]);
        } catch (error) {
          throw auditUnavailable(error);
        }
        return rendered;
      }),
    );
    return { items: request.items.map((item, index) => ({ token: stored[index], type: item.type })) };
  }

  /** One draw for every pending slot; returns the slots whose token collided and must be drawn again. */
  private async insertDraws(
    tx: PrismaTransaction,
    pending: readonly ValueSlot[],
    result: Map<ValueSlot, StoredToken>,
    metadataUpdates: MetadataGrowth[],
  ): Promise<ValueSlot[]> {
    const drafts = pending.map((slot) => this.draft(slot));
    const inserted = await this.tokens.insertNew(tx, drafts);
    const lost = pending.filter((_, index) => !inserted.has(drafts[index].tokenKey));
    pending.forEach((slot, index) => {
      if (inserted.has(drafts[index].tokenKey)) result.set(slot, drafts[index]);
    });
    // A deterministic value that lost may have lost to a concurrent request storing the same value: use its token.
    const winners = await this.tokens.findByFingerprints(
      lost.filter((slot) => slot.fingerprint !== null).map((slot) => slot.fingerprint as Buffer),
      tx,
    );
    return lost.filter((slot) => {
      const winner = slot.fingerprint === null ? undefined : winners.get(slot.fingerprint.toString('hex'));
      if (winner === undefined) return true;
      result.set(slot, winner);
      if (addsMetadata(winner, slot)) metadataUpdates.push(growthOf(winner.tokenKey, slot));
      return false;
    });
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

  /** Deterministic mode folds equal values (same type and canonical form) into one slot; metadata and expiry are merged. */
  private planSlots(items: readonly TokenizeItem[], deterministic: boolean, nowMs: number) {
    const slots: ValueSlot[] = [];
    const slotOfItem: number[] = [];
    const byFingerprint = new Map<string, number>();
    for (const item of items) {
      const expiresAt = item.ttlSeconds == null ? null : new Date(nowMs + item.ttlSeconds * 1000);
      const fingerprint = deterministic ? this.keyring.fingerprint(item.type, item.parsed.canonical) : null;
      const known = fingerprint === null ? undefined : byFingerprint.get(fingerprint.toString('hex'));
      if (known !== undefined) {
        const slot = slots[known];
        slot.tags = [...new Set([...slot.tags, ...item.tags])].sort();
        slot.patientRef ??= item.patientRef;
        slot.expiresAt = laterExpiry(slot.expiresAt, expiresAt);
        slotOfItem.push(known);
        continue;
      }
      if (fingerprint !== null) byFingerprint.set(fingerprint.toString('hex'), slots.length);
      slotOfItem.push(slots.length);
      slots.push({ type: item.type, canonical: item.parsed.canonical, layout: item.parsed.layout, fingerprint, patientRef: item.patientRef, tags: [...item.tags], expiresAt });
    }
    return { slots, slotOfItem };
  }
}

function addsMetadata(existing: { patientRef: string | null; tags: readonly string[]; expiresAt: Date | null }, slot: ValueSlot): boolean {
  return (
    (existing.patientRef === null && slot.patientRef !== null) ||
    slot.tags.some((tag) => !existing.tags.includes(tag)) ||
    laterExpiry(existing.expiresAt, slot.expiresAt) !== existing.expiresAt
  );
}

function growthOf(tokenKey: string, slot: ValueSlot): MetadataGrowth {
  return { tokenKey, patientRef: slot.patientRef, tags: slot.tags, expiresAt: slot.expiresAt };
}

/**
 * Expiry only ever extends, as tags only grow: a value someone still needs stays available. null (never
 * expires) wins; otherwise the later instant. An expired, not yet purged row is revived this way.
 */
function laterExpiry(a: Date | null, b: Date | null): Date | null {
  if (a === null || b === null) return null;
  return b > a ? b : a;
}
