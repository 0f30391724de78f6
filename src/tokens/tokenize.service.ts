import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Principal } from '../auth/principal.js';
import { GroupCommit, GroupCommitClosedError, GroupCommitTimeoutError } from '../common/batching/group-commit.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { VaultError } from '../common/errors/vault-error.js';
import { VAULT_CONFIG, type VaultConfig } from '../config/vault-config.js';
import { KeyringService } from '../crypto/keyring.service.js';
import type { TokenType } from '../formats/format.js';
import { FpeService } from '../fpe/fpe.service.js';
import type { TokenizeRequest, TokenizeResponse, VaultTokenizeRequest } from './dto/tokenize.dto.js';
import { TokenWriter, type PreparedCall, type StoredTokens } from './token-writer.js';
import { planSlots } from './value-slots.js';

/** Calls this small share transactions with concurrent ones (insert coalescing); larger calls are batches already. */
export const COALESCE_MAX_ITEMS = 16;
/** The most calls one shared transaction carries. */
const COALESCE_MAX_CALLS = 64;
/** Shared transactions in flight at once: one can insert while another holds the audit chain lock. */
const COALESCE_IN_FLIGHT = 2;

type Outcome = { readonly tokens: StoredTokens } | { readonly error: unknown };

/**
 * Tokenize. A call is planned (parsed, fingerprinted); then its rows and audit event commit in one
 * transaction, which small concurrent calls share (group commit, like the audit log's): a busy vault is not
 * bounded by one transaction, one cache lookup and one turn of the audit chain lock per request. A shared
 * transaction that fails is retried call by call, so one call's failure (an exhausted layout, say) is its own.
 */
@Injectable()
export class TokenizeService implements OnModuleDestroy {
  private readonly shared: GroupCommit<PreparedCall, Outcome>;
  /** Bulk calls storing right now (they do not queue): shutdown waits for them before the database closes. */
  private readonly storing = new Set<Promise<unknown>>();
  private closing = false;

  constructor(
    @Inject(VAULT_CONFIG) config: VaultConfig,
    private readonly keyring: KeyringService,
    private readonly writer: TokenWriter,
    private readonly fpe: FpeService,
  ) {
    this.shared = new GroupCommit((calls) => this.storeShared(calls), {
      windowMs: config.tokenizeBatchWindowMs,
      maxBatch: COALESCE_MAX_CALLS,
      maxInFlight: COALESCE_IN_FLIGHT,
      // A backstop only: the batch's own statements are bounded first (the audit append waits at most
      // appendTimeoutMs for the chain lock, and answers audit_unavailable), so this fires only if they hang.
      deadlineMs: 2 * config.audit.appendTimeoutMs,
    });
  }

  /** Answers tokens in request order, each in its item's layout; a call that fails stores nothing. */
  async tokenize(request: TokenizeRequest, principal: Principal): Promise<TokenizeResponse> {
    // Vaultless FF1 tokens store nothing and share none of the steps below (CONTRACT section 10).
    if (request.mode === 'fpe') return this.fpe.tokenize(request, principal);
    const call = this.prepare(request, principal);
    const tokens = request.items.length <= COALESCE_MAX_ITEMS ? await this.submitShared(call) : (await this.storeAlone(call))[0];
    return { items: request.items.map((item, index) => ({ token: tokens[index], type: item.type })) };
  }

  /**
   * Shutdown: calls waiting for a shared transaction, and bulk calls storing, finish before the database closes
   * (also those whose client has gone: the HTTP drain no longer counts them, but their transaction is open).
   */
  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    await Promise.all([this.shared.close(), ...[...this.storing].map((store) => store.catch(() => undefined))]);
  }

  private storeAlone(call: PreparedCall): Promise<StoredTokens[]> {
    if (this.closing) return Promise.reject(new VaultError(ErrorCode.ServiceUnavailable, 'The vault is shutting down; nothing was stored. Retry on another instance.', { headers: { 'Retry-After': '1' } }));
    const store = this.writer.store([call]);
    this.storing.add(store);
    void store.finally(() => this.storing.delete(store)).catch(() => undefined);
    return store;
  }

  private prepare(request: VaultTokenizeRequest, principal: Principal): PreparedCall {
    const fingerprintOf = request.mode === 'deterministic' ? (type: TokenType, canonical: string) => this.keyring.fingerprint(type, canonical) : null;
    return { mode: request.mode, items: request.items, principal, plan: planSlots(request.items, fingerprintOf, Date.now()) };
  }

  private async submitShared(call: PreparedCall): Promise<StoredTokens> {
    let outcome: Outcome;
    try {
      outcome = await this.shared.submit(call);
    } catch (error) {
      // Not committed in time, or shutting down: it may still commit, but the caller is told it did not (fail closed).
      if (error instanceof GroupCommitTimeoutError || error instanceof GroupCommitClosedError) {
        throw new VaultError(ErrorCode.ServiceUnavailable, 'The vault could not store the values in time; nothing is known to be stored. Retry shortly.', {
          headers: { 'Retry-After': '1' },
          cause: error,
        });
      }
      throw error;
    }
    if ('error' in outcome) throw outcome.error;
    return outcome.tokens;
  }

  private async storeShared(calls: readonly PreparedCall[]): Promise<Outcome[]> {
    try {
      return (await this.writer.store(calls)).map((tokens) => ({ tokens }));
    } catch (error) {
      if (calls.length === 1) return [{ error }];
      return Promise.all(calls.map((call) => this.writer.store([call]).then(([tokens]) => ({ tokens }), (alone: unknown) => ({ error: alone }))));
    }
  }
}
